"""Tests that careless or hostile input to every command gives one line, never a traceback."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from web.cli import cli

if TYPE_CHECKING:
    from pathlib import Path

NESTED_TOML = "[horizon]\ndays = 1\n[demand]\nx = " + "[" * 3000 + "]" * 3000 + "\n"
NESTED_JSON = "[" * 3000 + "]" * 3000


def _run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input)


def _files(tmp: Path) -> dict[str, Path]:
    """Bad files of every kind, written into ``tmp``."""
    files = {
        "gbk.toml": "[horizon]\n# 巡逻规则\ndays = 1\n".encode("gbk"),
        "bad-utf8.toml": b"[horizon]\ndays = 1\n# \xff\xfe\n",
        "binary.toml": bytes(range(256)) * 4,
        "nested.toml": NESTED_TOML.encode(),
        "late.toml": b"[horizon]\nstart = 9999-12-31\ndays = 1\n",
        "long.toml": b"[horizon]\ndays = 100000\n",
        "nested.json": NESTED_JSON.encode(),
        "nested.geojson": (
            '{"type": "FeatureCollection", "features": ' + NESTED_JSON + "}"
        ).encode(),
        "surrogate.geojson": b'{"type": "FeatureCollection", "features": [{"type": "Feature", '
        b'"properties": {"category": "\\ud800"}, "geometry": {"type": "Point", '
        b'"coordinates": [118.78, 32.04]}}]}',
    }
    out = {}
    for name, data in files.items():
        path = tmp / name
        path.write_bytes(data)
        out[name] = path
    return out


CASES = [
    # plan --rules on files that are no rules
    (["plan", "--start", "2026-12-07", "--days", "1", "--rules", "{gbk.toml}"], "not UTF-8"),
    (["plan", "--start", "2026-12-07", "--days", "1", "--rules", "{bad-utf8.toml}"], "not UTF-8"),
    (["plan", "--start", "2026-12-07", "--days", "1", "--rules", "{binary.toml}"], "not UTF-8"),
    (["plan", "--start", "2026-12-07", "--days", "1", "--rules", "{nested.toml}"], "nested"),
    # roster --rules likewise
    (["roster", "--start", "2026-12-07", "--days", "1", "--rules", "{gbk.toml}"], "not UTF-8"),
    (["roster", "--start", "2026-12-07", "--days", "1", "--rules", "{nested.toml}"], "nested"),
    (["roster", "--start", "2026-12-07", "--days", "1", "--rules", "{late.toml}"], "horizon.start"),
    (["roster", "--start", "2026-12-07", "--days", "1", "--rules", "{long.toml}"], "horizon.days"),
    # dates and seeds out of range
    (["plan", "--start", "9999-12-31", "--days", "2"], "--start must be a date from"),
    (["plan", "--start", "0001-01-01", "--days", "1"], "--start must be a date from"),
    (["roster", "--start", "9999-12-31", "--days", "2"], "--start must be a date from"),
    (["roster", "--start", "2026-12-07", "--days", "3000000"], "--days must be a whole number"),
    (["plan", "--start", "2026-12-07", "--days", "1", "--seed", "99999999999999999999"], "--seed"),
    (["plan", "--start", "2026-12-07", "--days", "1", "--seed", "-1"], "--seed"),
    (["roster", "--start", "2026-12-07", "--days", "1", "--seed", "-1"], "--seed"),
    # nested JSON and a lone surrogate
    (["validate", "{nested.json}"], "nested more than 64 levels"),
    (["incidents", "import", "{nested.geojson}", "--dry-run"], "nested more than 64 levels"),
    (["incidents", "import", "{surrogate.geojson}", "--dry-run"], "not valid Unicode"),
]


@pytest.mark.parametrize(("args", "words"), CASES)
def test_bad_input_is_one_line_without_traceback(tmp_path: Path, args, words) -> None:
    """Tests each command on a bad file or value: exit 2, one 'Error:' line naming it."""
    files = _files(tmp_path)
    args = [str(files[a[1:-1]]) if a.startswith("{") else a for a in args]
    if args[0] == "plan":
        args += ["--out", str(tmp_path / "out")]
    result = _run(*args)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error:"), result.stderr
    assert words in lines[0], lines[0]
    assert not (tmp_path / "out").exists()
