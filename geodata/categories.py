"""Key-area categories: which OpenStreetMap tags make a place worth patrolling, and how much."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

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
    """

    key: str
    label_en: str
    label_zh: str
    priority: int
    color: str
    icon: str
    tags: tuple[tuple[str, tuple[str, ...]], ...]
    gate_windows: str = ""

    @property
    def has_gate(self) -> bool:
        """Whether places of this category get gate posts at drop-off and pick-up."""
        return bool(self.gate_windows)

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
# come before the broad ones (retail takes any other shop).
CATEGORY_TABLE: tuple[Category, ...] = (
    Category(
        "school",
        "School",
        "学校",
        5,
        "#d62728",
        "graduation-cap",
        (("amenity", ("school", "college", "university")),),
        SCHOOL_GATE_WINDOWS,
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
    ),
    Category(
        "market",
        "Market",
        "农贸市场",
        4,
        "#8c564b",
        "shopping-basket",
        (("amenity", ("marketplace",)), ("shop", ("market", "greengrocer", "seafood"))),
    ),
    Category(
        "supermarket",
        "Supermarket / mall",
        "商超",
        4,
        "#e377c2",
        "shopping-cart",
        (("shop", ("supermarket", "convenience", "department_store", "mall", "general")),),
    ),
    Category(
        "internet_cafe",
        "Internet cafe",
        "网吧",
        4,
        "#9467bd",
        "desktop",
        (("amenity", ("internet_cafe",)), ("shop", ("internet_cafe",))),
    ),
    Category(
        "bank",
        "Bank / ATM",
        "银行网点",
        4,
        "#bcbd22",
        "university",
        (("amenity", ("bank", "atm", "bureau_de_change")),),
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
                (
                    "bar",
                    "pub",
                    "nightclub",
                    "karaoke",
                    "cinema",
                    "theatre",
                    "casino",
                    "gambling",
                    "stripclub",
                ),
            ),
            ("leisure", ("amusement_arcade", "adult_gaming_centre", "dance")),
        ),
    ),
    Category(
        "station",
        "Station / stop",
        "车站",
        4,
        "#1f77b4",
        "bus",
        (
            ("railway", ("station", "halt", "subway_entrance")),
            ("public_transport", ("station",)),
            ("amenity", ("bus_station", "ferry_terminal")),
            ("highway", ("bus_stop",)),
        ),
    ),
    Category(
        "hotel",
        "Hotel",
        "旅馆",
        3,
        "#17becf",
        "bed",
        (("tourism", ("hotel", "hostel", "guest_house", "motel", "apartment")),),
    ),
    Category(
        "hospital",
        "Hospital / clinic",
        "医院",
        3,
        "#e41a1c",
        "plus-square",
        (("amenity", ("hospital", "clinic", "doctors")), ("healthcare", ("hospital", "clinic"))),
    ),
    Category(
        "government",
        "Government office",
        "党政机关",
        3,
        "#444444",
        "building",
        (("amenity", ("townhall", "courthouse")), ("office", ("government",))),
    ),
    Category(
        "square",
        "Square / plaza",
        "广场",
        3,
        "#2ca02c",
        "square",
        (("place", ("square",)),),
    ),
    Category(
        "park",
        "Park",
        "公园",
        3,
        "#98df8a",
        "tree",
        (("leisure", ("park", "garden", "playground")),),
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
    ),
    Category(
        "pharmacy",
        "Pharmacy",
        "药店",
        2,
        "#ff9896",
        "medkit",
        (("amenity", ("pharmacy",)), ("shop", ("chemist",))),
    ),
    Category(
        "restaurant",
        "Restaurant / cafe",
        "餐饮",
        2,
        "#ffbb78",
        "cutlery",
        (("amenity", ("restaurant", "fast_food", "cafe", "food_court")),),
    ),
    Category(
        "retail",
        "Shop",
        "商铺",
        2,
        "#c49c94",
        "shopping-bag",
        (("shop", ()),),
    ),
)
"""The category table, in matching order.

It follows the places Chinese community patrols focus on: school and kindergarten gates
(priority 5); markets, supermarkets and malls (convenience stores included: open late, cash
and crowds), internet cafes, banks and ATMs, entertainment venues (bars, pubs, nightclubs, KTV,
cinemas, theatres) and stations (railway and metro stations and entrances, bus stations and
stops) at 4; hotels, hospitals, government offices, squares and parks at 3; tourist sites and
stadiums, pharmacies, restaurants and cafes, and other shops at 2 (pickpocketing and late-night
disputes, but many of them). Police stations and rooms are no key areas: they become patrol
posts. Plain amenities (benches, toilets, parking) are no patrol targets.
"""

CATEGORIES: dict[str, Category] = {c.key: c for c in CATEGORY_TABLE}
"""Categories by key; a key area's ``category`` must be one of these keys."""

GATE_CATEGORIES: tuple[str, ...] = tuple(c.key for c in CATEGORY_TABLE if c.has_gate)
"""Keys of the categories with gate posts at drop-off and pick-up."""

POLICE_TAGS: tuple[tuple[str, tuple[str, ...]], ...] = (("amenity", ("police",)),)
"""OSM tags of police stations and community police rooms; they become posts, not key areas."""

_IGNORED_SHOP_VALUES = frozenset({"vacant", "no", "yes;vacant"})


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
        features of no patrol interest.
    """
    if is_police(tags):
        return None
    if tags.get("shop") in _IGNORED_SHOP_VALUES:
        tags = {k: v for k, v in tags.items() if k != "shop"}
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


def label(category: str, lang: str = "en") -> str:
    """Return the label of a category key in ``"en"`` or ``"zh"``."""
    cat = CATEGORIES[category]
    return cat.label_zh if lang == "zh" else cat.label_en
