"""Key-area categories: which OpenStreetMap tags make a place worth patrolling, and how much."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from geodata.windows import parse_target

if TYPE_CHECKING:
    from collections.abc import Mapping


@dataclass(frozen=True, slots=True)
class Category:
    """One kind of key area (重点部位) with its OSM tags, default priority and map style.

    Attributes
    ----------
    key
        Stable identifier stored in bundles, e.g. ``"school"``.
    label_en, label_zh
        Labels for the bilingual user interface.
    priority
        Default patrol priority, 1 (low) to 5 (high).
    color
        Hex colour hint for maps.
    icon
        Font Awesome icon name hint for map markers.
    tags
        OSM ``(key, values)`` pairs; a feature belongs to the category when any of its tags
        matches. An empty ``values`` tuple matches any value except ``"no"``.
    gate_windows
        Default gate-post windows (护学岗) on school days, in the ``windows`` syntax of
        :func:`geodata.windows.parse_windows` (``"07:20-08:00;16:30-17:30"``); empty for a
        category with no gate post. A key area's own ``windows`` replace them.
    target
        Whether places of this category are patrol targets (checkpoints) by default. Shops,
        cafés, restaurants and bus stops stay on the map but are not (a key area's ``target``
        column, ``"yes"`` or ``"no"``, overrides it; see :func:`is_target`).
    hours
        Default opening hours in the OSM ``opening_hours`` syntax (``"Mo-Fr 09:00-17:00"``,
        ``"24/7"``), used where a key area has no ``opening_hours`` of its own or an
        unparseable one (see :mod:`geodata.hours`).
    inspection
        Whether places of this category get the weekly inspection (每周一行动, 场所检查):
        hotels and guesthouses, internet cafes, restaurants, entertainment venues, cinemas and
        theatres. Rental housing (出租屋) is inspected too, as the bundle's ``rentals`` layer.
    checklist_zh, checklist_en
        What an inspection checks, items separated by ``"；"`` (zh) and ``"; "`` (en); empty
        for a category without inspection.
    glyph_zh, glyph_en
        Marker text for maps (one Chinese character, two Latin letters); empty leaves the
        choice to the map code.
    """

    key: str
    label_en: str
    label_zh: str
    priority: int
    color: str
    icon: str
    tags: tuple[tuple[str, tuple[str, ...]], ...]
    gate_windows: str = ""
    target: bool = True
    hours: str = "24/7"
    inspection: bool = False
    checklist_zh: str = ""
    checklist_en: str = ""
    glyph_zh: str = ""
    glyph_en: str = ""

    @property
    def has_gate(self) -> bool:
        """Whether places of this category get gate posts at drop-off and pick-up."""
        return bool(self.gate_windows)

    def checklist(self, lang: str = "en") -> str:
        """Return the inspection checklist in ``"en"`` or ``"zh"`` (empty without inspection)."""
        return self.checklist_zh if lang == "zh" else self.checklist_en

    def matches(self, tags: Mapping[str, str]) -> bool:
        """Return True when any of ``tags`` belongs to this category."""
        for key, values in self.tags:
            value = tags.get(key)
            if value is None or value == "no":
                continue
            if not values or value in values:
                return True
        return False


SCHOOL_GATE_WINDOWS = "07:20-08:00;16:30-17:30"
"""Drop-off and pick-up at a school or kindergarten gate on school days (a district or a school
sets its own in the key area's ``windows``)."""

# Order matters: the first matching category wins, so specific categories (school, bank)
# come before the broad ones (retail takes any other shop). Schools, kindergartens and colleges
# are told apart by :func:`education_category`, which looks further than the tags below.
CATEGORY_TABLE: tuple[Category, ...] = (
    Category(
        "school",
        "School",
        "学校",
        5,
        "#d62728",
        "graduation-cap",
        (("amenity", ("school",)),),
        SCHOOL_GATE_WINDOWS,
        hours="Mo-Fr 07:00-18:00; PH off",
    ),
    Category(
        "kindergarten",
        "Kindergarten",
        "幼儿园",
        5,
        "#ff7f0e",
        "child",
        (("amenity", ("kindergarten", "childcare")),),
        SCHOOL_GATE_WINDOWS,
        hours="Mo-Fr 07:00-18:00; PH off",
    ),
    Category(
        "college",
        "College / training school",
        "高校及培训机构",
        2,
        "#f4a3a3",
        "university",
        (("amenity", ("college", "university")),),
        hours="06:00-23:00",
        glyph_zh="院",
        glyph_en="Co",
    ),
    Category(
        "market",
        "Market",
        "农贸市场",
        4,
        "#8c564b",
        "shopping-basket",
        (("amenity", ("marketplace",)), ("shop", ("market", "greengrocer", "seafood"))),
        hours="06:00-19:00",
    ),
    Category(
        "supermarket",
        "Supermarket / mall",
        "商超",
        4,
        "#e377c2",
        "shopping-cart",
        (("shop", ("supermarket", "department_store", "mall", "general")),),
        hours="09:00-22:00",
    ),
    Category(
        "convenience",
        "Convenience store",
        "便利店",
        3,
        "#f7b6d2",
        "shopping-basket",
        (("shop", ("convenience",)),),
        hours="24/7",
        glyph_zh="便",
        glyph_en="Cv",
    ),
    Category(
        "internet_cafe",
        "Internet cafe",
        "网吧",
        4,
        "#9467bd",
        "desktop",
        (("amenity", ("internet_cafe",)), ("shop", ("internet_cafe",))),
        hours="24/7",
        inspection=True,
        checklist_zh="上网人员实名登记；未成年人；消防通道与灭火器；营业时间",
        checklist_en="Real-name log-in of every user; minors; fire exits and extinguishers; "
        "opening hours",
    ),
    Category(
        "atm",
        "ATM / self-service bank",
        "自助银行",
        3,
        "#dbdb8d",
        "credit-card",
        (("amenity", ("atm",)),),
        hours="24/7",
        glyph_zh="取",
        glyph_en="At",
    ),
    Category(
        "bank",
        "Bank",
        "银行网点",
        4,
        "#bcbd22",
        "university",
        (("amenity", ("bank", "bureau_de_change")),),
        hours="Mo-Fr 09:00-17:00",
    ),
    Category(
        "entertainment",
        "Entertainment venue",
        "娱乐场所",
        4,
        "#7f007f",
        "music",
        (
            (
                "amenity",
                ("bar", "pub", "nightclub", "karaoke", "casino", "gambling", "stripclub"),
            ),
            ("leisure", ("amusement_arcade", "adult_gaming_centre", "dance")),
        ),
        hours="18:00-03:00",
        inspection=True,
        checklist_zh="未成年人；消防通道与灭火器；斗殴、涉毒、涉赌隐患；从业人员登记",
        checklist_en="Minors; fire exits and extinguishers; fights, drugs and gambling; "
        "staff register",
    ),
    Category(
        "cinema",
        "Cinema / theatre",
        "影剧院",
        3,
        "#c5b0d5",
        "film",
        (("amenity", ("cinema", "theatre")),),
        hours="10:00-24:00",
        inspection=True,
        checklist_zh="消防通道与疏散指示；灭火器；人员密度；散场秩序",
        checklist_en="Fire exits and evacuation signs; extinguishers; crowd density; "
        "crowds leaving",
        glyph_zh="影",
        glyph_en="Ci",
    ),
    Category(
        "station",
        "Station",
        "车站",
        4,
        "#1f77b4",
        "train",
        (
            ("railway", ("station", "halt", "subway_entrance", "train_station_entrance")),
            ("public_transport", ("station",)),
            ("amenity", ("bus_station", "ferry_terminal")),
        ),
        hours="05:30-23:30",
    ),
    Category(
        "bus_stop",
        "Bus stop",
        "公交站",
        2,
        "#9ecae1",
        "bus",
        (("highway", ("bus_stop",)),),
        target=False,
        hours="05:30-23:00",
        glyph_zh="公",
        glyph_en="Bs",
    ),
    Category(
        "hotel",
        "Hotel / guesthouse",
        "旅馆",
        3,
        "#17becf",
        "bed",
        (("tourism", ("hotel", "hostel", "guest_house", "motel", "apartment")),),
        hours="24/7",
        inspection=True,
        checklist_zh="旅客住宿登记（实名、人证一致）；消防通道与灭火器；可疑人员与物品",
        checklist_en="Guest register (real names, ID matches the guest); fire exits and "
        "extinguishers; suspicious persons and items",
    ),
    Category(
        "hospital",
        "Hospital / clinic",
        "医院",
        3,
        "#e41a1c",
        "plus-square",
        (("amenity", ("hospital", "clinic", "doctors")), ("healthcare", ("hospital", "clinic"))),
        hours="24/7",
    ),
    Category(
        "government",
        "Government office",
        "党政机关",
        3,
        "#444444",
        "building",
        (("amenity", ("townhall", "courthouse")), ("office", ("government",))),
        hours="Mo-Fr 08:30-17:30; PH off",
    ),
    Category(
        "square",
        "Square / plaza",
        "广场",
        3,
        "#2ca02c",
        "square",
        (("place", ("square",)),),
        hours="24/7",
    ),
    Category(
        "park",
        "Park",
        "公园",
        3,
        "#98df8a",
        "tree",
        (("leisure", ("park", "garden", "playground")),),
        hours="24/7",
    ),
    Category(
        "tourist_site",
        "Tourist site",
        "景点场馆",
        2,
        "#aec7e8",
        "camera",
        (
            ("tourism", ("attraction", "museum", "gallery", "zoo", "theme_park")),
            ("leisure", ("stadium", "sports_centre")),
        ),
        hours="09:00-17:00",
    ),
    Category(
        "pharmacy",
        "Pharmacy",
        "药店",
        2,
        "#ff9896",
        "medkit",
        (("amenity", ("pharmacy",)), ("shop", ("chemist",))),
        target=False,
        hours="08:00-22:00",
    ),
    Category(
        "restaurant",
        "Restaurant / cafe",
        "餐饮",
        2,
        "#ffbb78",
        "cutlery",
        (("amenity", ("restaurant", "fast_food", "cafe", "food_court")),),
        target=False,
        hours="10:00-22:00",
        inspection=True,
        checklist_zh="消防通道与灭火器；燃气使用安全；酒后纠纷隐患",
        checklist_en="Fire exits and extinguishers; safe use of gas; drunken disputes",
    ),
    Category(
        "retail",
        "Shop",
        "商铺",
        2,
        "#c49c94",
        "shopping-bag",
        (("shop", ()),),
        target=False,
        hours="10:00-22:00",
    ),
)
"""The category table, in matching order.

It follows the places Chinese community patrols focus on: school and kindergarten gates
(priority 5); markets, supermarkets and malls, internet cafes, banks, entertainment venues
(bars, pubs, nightclubs, KTV, arcades) and stations (railway and metro stations, their
entrances, bus stations) at 4; convenience stores (open late or round the clock), ATMs,
cinemas and theatres, hotels, hospitals, government offices, squares and parks at 3; colleges
and training schools, bus stops, tourist sites and stadiums, pharmacies, restaurants and
cafés, and other shops at 2. Police stations and rooms are no key areas: they become patrol
posts. Plain amenities (benches, toilets, parking) are no patrol targets.

Targets
    Every category is a patrol target by default except shops (``retail``), pharmacies,
    restaurants and cafés (chain cafés, fast food and luxury boutiques are on the map, not on
    the beat) and bus stops (dozens along the main roads; the stations carry the crowds).
    A planner makes one of them a target with the key area's ``target`` column.

Default opening hours (``hours``, OSM syntax; a tagged ``opening_hours`` wins)
    ``24/7``: convenience stores (most chain stores in Chinese downtowns open round the
    clock), internet cafes, ATMs, hotels, hospitals (emergency departments), squares and parks.
    Schools and kindergartens ``Mo-Fr 07:00-18:00; PH off``; government offices
    ``Mo-Fr 08:30-17:30; PH off``; banks ``Mo-Fr 09:00-17:00``; colleges ``06:00-23:00``
    (campus gates); markets ``06:00-19:00``; supermarkets and malls ``09:00-22:00``; shops
    and restaurants ``10:00-22:00``; pharmacies ``08:00-22:00``; entertainment venues
    ``18:00-03:00``; cinemas and theatres ``10:00-24:00``; tourist sites ``09:00-17:00``;
    stations ``05:30-23:30`` (while metro trains run) and bus stops ``05:30-23:00``.
    ``PH`` is a public holiday of the district's country (:func:`geodata.hours.open_intervals`).

Weekly inspections (``inspection``)
    Hotels and guesthouses, internet cafes, entertainment venues, cinemas and theatres
    (public entertainment venues in the fire-safety rules) and restaurants, each with its
    checklist; rental housing is the ``rentals`` layer (:data:`geodata.rentals.CHECKLIST_ZH`).
"""

CATEGORIES: dict[str, Category] = {c.key: c for c in CATEGORY_TABLE}
"""Categories by key; a key area's ``category`` must be one of these keys."""

GATE_CATEGORIES: tuple[str, ...] = tuple(c.key for c in CATEGORY_TABLE if c.has_gate)
"""Keys of the categories with gate posts at drop-off and pick-up."""

TARGET_CATEGORIES: tuple[str, ...] = tuple(c.key for c in CATEGORY_TABLE if c.target)
"""Keys of the categories whose places are patrol targets unless a key area says otherwise."""

INSPECTION_CATEGORIES: tuple[str, ...] = tuple(c.key for c in CATEGORY_TABLE if c.inspection)
"""Keys of the categories whose places get the weekly inspection (场所检查)."""

POLICE_TAGS: tuple[tuple[str, tuple[str, ...]], ...] = (("amenity", ("police",)),)
"""OSM tags of police stations and community police rooms; they become posts, not key areas."""

_IGNORED_SHOP_VALUES = frozenset({"vacant", "no", "yes;vacant"})

EDUCATION_AMENITIES: frozenset[str] = frozenset(
    {"school", "college", "university", "kindergarten", "childcare"}
)
"""``amenity=*`` values of places of education, sorted out by :func:`education_category`."""

KINDERGARTEN_WORDS: tuple[str, ...] = ("幼儿园", "托儿所", "幼稚园", "kindergarten", "nursery")
"""Name parts of a kindergarten, whatever its tags say (五老村幼儿园 is tagged amenity=school)."""

SCHOOL_WORDS: tuple[str, ...] = (
    "小学", "中学", "初中", "高中", "附小", "附中", "附属", "完小", "一贯制", "九年制",
    "实验学校", "外国语学校", "primary school", "middle school", "high school",
    "secondary school",
)  # fmt: skip
"""Name parts of a primary or middle school; they win over :data:`COLLEGE_WORDS`, so a school
attached to a university (南京师范大学附属中学, 华南师范大学附属龙岗大运学校) is a school."""

COLLEGE_WORDS: tuple[str, ...] = (
    "党校", "进修学校", "进修学院", "师范", "神学院", "大学", "学院", "高等", "培训",
    "university", "college", "seminary", "academy",
)  # fmt: skip
"""Name parts of a place of adult education without children's drop-off: universities and
colleges, Party schools (党校), teacher-training schools (进修学校, 师范), seminaries
(神学院), preschool-teachers' colleges (幼儿高等师范学校) and training centres."""


def _isced_levels(value: str) -> set[int]:
    """Return the levels of an ``isced:level`` value (``"1;2"``, ``"1-3"``, ``"5"``)."""
    levels: set[int] = set()
    for part in value.replace(",", ";").split(";"):
        lo, sep, hi = part.strip().partition("-")
        try:
            a = int(lo)
            b = int(hi) if sep else a
        except ValueError:
            continue
        levels.update(range(min(a, b), max(a, b) + 1))
    return levels


def education_category(tags: Mapping[str, str]) -> str | None:
    """Return ``"school"``, ``"kindergarten"`` or ``"college"`` for a place of education.

    Primary and middle schools and kindergartens get gate posts at drop-off and pick-up;
    colleges, universities, Party schools, teacher-training schools and seminaries do not, so
    they are told apart in this order:

    1. ``isced:level``: any of 1-3 is a school, else 0 a kindergarten, else (4 and above) a
       college.
    2. The name (``name``, ``name:zh``, ``name:en``): :data:`KINDERGARTEN_WORDS` make a
       kindergarten; for places tagged school, college or university, :data:`SCHOOL_WORDS`
       make a school and then :data:`COLLEGE_WORDS` a college.
    3. The tag: ``amenity=kindergarten|childcare`` is a kindergarten,
       ``amenity=college|university`` a college, ``amenity=school`` a school.

    Parameters
    ----------
    tags
        The feature's OSM tags.

    Returns
    -------
    str or None
        None when the feature is no place of education (``amenity`` not one of
        :data:`EDUCATION_AMENITIES`).
    """
    amenity = tags.get("amenity", "")
    if amenity not in EDUCATION_AMENITIES:
        return None
    levels = _isced_levels(tags.get("isced:level", ""))
    if levels:
        if levels & {1, 2, 3}:
            return "school"
        return "kindergarten" if 0 in levels else "college"
    names = " ".join(tags.get(k, "") for k in ("name", "name:zh", "name:en", "official_name"))
    names = names.lower()
    if any(word in names for word in KINDERGARTEN_WORDS):
        return "kindergarten"
    if amenity in ("school", "college", "university"):
        if any(word in names for word in SCHOOL_WORDS):
            return "school"
        if any(word in names for word in COLLEGE_WORDS):
            return "college"
    if amenity in ("kindergarten", "childcare"):
        return "kindergarten"
    return "college" if amenity in ("college", "university") else "school"


def classify(tags: Mapping[str, str]) -> str | None:
    """Return the key-area category of an OSM feature's tags, or None when it is no key area.

    Parameters
    ----------
    tags
        The feature's OSM tags.

    Returns
    -------
    str or None
        A key of :data:`CATEGORIES`; None for police places (see :func:`is_police`) and for
        features of no patrol interest. Places of education are sorted out by
        :func:`education_category`.
    """
    if is_police(tags):
        return None
    if tags.get("shop") in _IGNORED_SHOP_VALUES:
        tags = {k: v for k, v in tags.items() if k != "shop"}
    education = education_category(tags)
    if education is not None:
        return education
    for category in CATEGORY_TABLE:
        if category.matches(tags):
            return category.key
    return None


def is_police(tags: Mapping[str, str]) -> bool:
    """Return True for a police station or police room, which becomes a patrol post."""
    return any(tags.get(key) in values for key, values in POLICE_TAGS)


def default_priority(category: str) -> int:
    """Return the default priority (1..5) of a category key."""
    return CATEGORIES[category].priority


def default_hours(category: str) -> str:
    """Return the default opening hours (OSM syntax) of a category key."""
    return CATEGORIES[category].hours


def is_target(category: str, target: Any = None) -> bool:
    """Return whether a key area is a patrol target.

    Parameters
    ----------
    category
        The area's category key.
    target
        The area's ``target`` cell: blank (None, NaN, ``""``) for the category's default
        (:attr:`Category.target`), ``"yes"`` or ``"no"`` (any case) as a planner set it.

    Raises
    ------
    geodata.windows.AreaValueError
        For a ``target`` cell that is neither blank nor yes or no.
    """
    value = parse_target(target)
    return CATEGORIES[category].target if value is None else value


def label(category: str, lang: str = "en") -> str:
    """Return the label of a category key in ``"en"`` or ``"zh"``."""
    cat = CATEGORIES[category]
    return cat.label_zh if lang == "zh" else cat.label_en
