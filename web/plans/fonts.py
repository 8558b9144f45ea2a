"""Find a CJK font for printed sheets and cut it down to a small TrueType subset for embedding.

Where the font comes from, in order:

1. the file named by the environment variable ``PATROL_CJK_FONT`` (a .ttf, .otf, .ttc or
   .otc file; ``PATROL_CJK_FONT_INDEX`` picks a face of a collection);
2. Noto Sans SC from the ``pylopdf-fonts-zh-cn`` package, a project dependency, so a fresh
   ``pip install`` can print Chinese with no system fonts;
3. a system font: Noto Sans CJK / Source Han Sans, WenQuanYi Micro Hei or Zen Hei, Droid Sans
   Fallback, the macOS and Windows Chinese fonts, then anything ``fc-list :lang=zh`` knows.

PDF writers such as reportlab embed TrueType (``glyf``) outlines only, while Noto and Source
Han fonts carry CFF outlines; :func:`cjk_font_subset` therefore keeps just the characters a
document uses and converts their outlines to TrueType curves with fontTools, which takes well
under a second and gives fonts of a few dozen kilobytes.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from geodata.errors import InputError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from fontTools.ttLib import TTFont

logger = logging.getLogger("web")

FONT_ENV = "PATROL_CJK_FONT"
"""Environment variable naming a CJK font file to use for printing."""
FONT_INDEX_ENV = "PATROL_CJK_FONT_INDEX"
"""Environment variable with the face number inside a font collection (.ttc)."""

PROBE = "巡逻路线签到"
"""Characters a usable font must have."""

SYSTEM_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/adobe-source-han-sans/SourceHanSansCN-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "/Library/Fonts/Arial Unicode.ttf",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "C:/Windows/Fonts/simsun.ttc",
)
"""Well-known places of Chinese fonts on Linux, macOS and Windows."""


class FontError(InputError):
    """No font that can print Chinese text could be found or read."""


@dataclass(frozen=True, slots=True)
class FontSource:
    """A font file (and face of a collection) that covers Chinese text.

    Attributes
    ----------
    path
        The font file.
    index
        Face number inside a collection (.ttc/.otc), 0 for a single font.
    family
        Family name read from the font, e.g. ``"Noto Sans SC"``.
    origin
        Where it was found: ``"environment"``, ``"package"`` or ``"system"``.
    """

    path: Path
    index: int
    family: str
    origin: str


def _open(fh: BinaryIO, index: int) -> TTFont:
    """Open face ``index`` of the font file ``fh`` lazily (the caller keeps ``fh`` open)."""
    from fontTools.ttLib import TTFont

    return TTFont(fh, fontNumber=index, lazy=True)


def _family(font: TTFont) -> str:
    name = font["name"]
    return str(name.getDebugName(16) or name.getDebugName(1) or "unknown")


def _faces(path: Path) -> int:
    with path.open("rb") as fh:
        head = fh.read(12)
    if head[:4] == b"ttcf":
        return int.from_bytes(head[8:12], "big")
    return 1


def _choose_face(path: Path, index: int | None) -> tuple[int, str] | None:
    """Return the face (preferring Simplified Chinese) of ``path`` that covers :data:`PROBE`."""
    try:
        faces = [index] if index is not None else list(range(_faces(path)))
        usable = []
        for i in faces:
            with path.open("rb") as fh:
                font = _open(fh, i)
                cmap = font.getBestCmap() or {}
                if all(ord(c) in cmap for c in PROBE):
                    usable.append((i, _family(font)))
    except Exception as exc:  # fontTools raises many kinds of errors for broken files
        logger.debug("Cannot read font %s: %s", path, exc)
        return None
    if not usable:
        return None
    # Collections such as Noto Sans CJK hold JP, KR, SC, TC faces: take the SC one.
    for i, family in usable:
        if family.endswith((" SC", " CN", "GB")) or "Hei" in family or "WenQuanYi" in family:
            return i, family
    return usable[0]


def _fc_list_files() -> list[Path]:
    """Return the files ``fc-list`` reports for the Chinese language, if it is installed."""
    exe = shutil.which("fc-list")
    if exe is None:
        return []
    try:
        out = subprocess.run(
            [exe, ":lang=zh", "file"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    files = sorted({line.split(":")[0].strip() for line in out.splitlines() if line.strip()})
    # Sans faces read better on small print than serif ones.
    return [Path(f) for f in sorted(files, key=lambda f: ("Serif" in f, "Sans" not in f, f))]


def _package_fonts() -> list[Path]:
    try:
        import pylopdf_fonts_zh_cn
    except ImportError:
        return []
    return [Path(pylopdf_fonts_zh_cn.sans_path())]


@functools.cache
def find_cjk_font() -> FontSource:
    """Return a font that covers Chinese text (see the module docstring for the order).

    Raises
    ------
    FontError
        When ``PATROL_CJK_FONT`` names an unusable file, or when no font can be found.
    """
    env = os.environ.get(FONT_ENV)
    if env:
        path = Path(env).expanduser()
        if not path.is_file():
            msg = f"{FONT_ENV}={env} names no font file."
            raise FontError(msg)
        index_text = os.environ.get(FONT_INDEX_ENV)
        index = int(index_text) if index_text and index_text.isdigit() else None
        face = _choose_face(path, index)
        if face is None:
            msg = f"{FONT_ENV}={env} is not a font with Chinese characters that can be read."
            raise FontError(msg)
        return FontSource(path, face[0], face[1], "environment")
    candidates = [(p, "package") for p in _package_fonts()]
    candidates += [(Path(p), "system") for p in SYSTEM_FONT_FILES]
    for path, origin in candidates:
        if path.is_file():
            face = _choose_face(path, None)
            if face is not None:
                return FontSource(path, face[0], face[1], origin)
    for path in _fc_list_files():
        if path.suffix.lower() in {".ttf", ".otf", ".ttc", ".otc"} and path.is_file():
            face = _choose_face(path, None)
            if face is not None:
                return FontSource(path, face[0], face[1], "system")
    msg = (
        "No font that can print Chinese was found: reinstall the package (it ships Noto Sans SC "
        f"through pylopdf-fonts-zh-cn), install fonts-noto-cjk, or set {FONT_ENV} to a font file."
    )
    raise FontError(msg)


def _cff_to_glyf(font: TTFont) -> None:
    """Replace the CFF outlines of ``font`` by TrueType outlines (quadratic curves), in place."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    # One font unit of error is invisible at any print size (fonts have 1000-2048 units/em).
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for name, glyph in glyphs.items():
        if hasattr(glyph, "xMin"):
            hmtx[name] = (hmtx[name][0], glyph.xMin)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for attr in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    font["post"].formatType = 3.0
    font.sfntVersion = "\x00\x01\x00\x00"


def cjk_font_subset(text: Iterable[str], source: FontSource | None = None) -> bytes:
    """Return a TrueType font holding only the characters of ``text`` (plus printable ASCII).

    Parameters
    ----------
    text
        Strings whose characters the document prints.
    source
        The font to cut from; :func:`find_cjk_font` when None.

    Returns
    -------
    bytes
        A TrueType (``glyf``) font file that reportlab and PDF viewers can embed.

    Raises
    ------
    FontError
        When the font cannot be found or read.
    """
    source = source or find_cjk_font()
    chars = {chr(c) for c in range(32, 127)}
    for s in text:
        chars.update(s)
    chars = {c for c in chars if c.isprintable()}
    return _cached_subset(source, frozenset(chars))


@functools.lru_cache(maxsize=8)
def _cached_subset(source: FontSource, chars: frozenset[str]) -> bytes:
    """Return the subset of ``source`` for ``chars`` (kept, as reprinting needs the same)."""
    try:
        with source.path.open("rb") as fh:
            return _subset(_open(fh, source.index), chars, source)
    except FontError:
        raise
    except Exception as exc:  # fontTools raises many kinds of errors for broken files
        msg = f"The font {source.path} cannot be read for printing: {exc}."
        raise FontError(msg) from exc


def _subset(font: TTFont, chars: frozenset[str], source: FontSource) -> bytes:
    """Cut ``font`` down to ``chars`` and return it as a TrueType font file."""
    from fontTools import subset

    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = ["*"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(chars)))
    subsetter.subset(font)
    if "CFF " in font:
        _cff_to_glyf(font)
    elif "glyf" not in font:
        msg = f"The font {source.path} has neither TrueType nor CFF outlines."
        raise FontError(msg)
    # Each subset gets its own PostScript name: PDF libraries (reportlab among them) keep one
    # face per name, so two subsets under the same name would share the first one's glyphs.
    tag = hashlib.sha256("".join(sorted(chars)).encode()).hexdigest()[:10]
    for record in font["name"].names:
        if record.nameID == 6:
            record.string = f"PatrolCJK-{tag}"
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()
