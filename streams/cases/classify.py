"""citybrain category → national class code (管理部件 / 管理事件), and urgency.

The class dictionaries are versioned because real deployments mix standards:
GB/T 30428.2-2013 codes are ``NN-NN`` (major class - subclass); GB/T
47678.5-2026 codes are five digits (2-digit major + 3-digit subclass), with
event majors moved to 06-10. ``None`` marks a category the standard has no
class for (the case keeps the citybrain category only).

Provenance (see ``reference/urban-management-standards.md`` §2): entries
marked ``inferred=True`` are not read in a published table; the 2013 event
subclasses are carried over from 47678.5 (which kept the 2013 subclass
numbers), the 2013 component subclasses follow the CJ/T 214 numbering.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from citybrain.categories import CATEGORIES

GBT_30428_2_2013 = "GB/T 30428.2-2013"
GBT_47678_5_2026 = "GB/T 47678.5-2026"
DEFAULT_STANDARD = GBT_30428_2_2013


@dataclass(frozen=True)
class ClassCode:
    """One class of a standard: ``kind`` is ``component`` (部件) or ``event`` (事件/事项)."""

    standard: str
    kind: str
    code: str
    name: str
    inferred: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (as stored in case state)."""
        return asdict(self)


def _table(standard: str, rows: dict[str, tuple | None]) -> dict[str, ClassCode | None]:
    return {
        category: None if row is None else ClassCode(standard, *row)
        for category, row in rows.items()
    }


CLASS_CODES: dict[str, dict[str, ClassCode | None]] = {
    GBT_30428_2_2013: _table(
        GBT_30428_2_2013,
        {
            "out_of_store_business": ("event", "04-05", "店外经营"),
            "unlicensed_peddler": ("event", "04-01", "无照经营游商"),
            "piled_materials": ("event", "01-36", "乱堆物堆料"),
            "illegal_small_ads": ("event", "02-01", "非法小广告"),
            "street_drying": ("event", "01-07", "沿街晾挂"),
            "lane_occupation": ("event", "04-06", "占道经营"),
            "illegal_parking": ("event", "04-09", "机动车乱停放"),
            "exposed_garbage": ("event", "01-10", "暴露垃圾"),
            "construction_waste": ("event", "01-11", "积存垃圾渣土"),
            "road_damage": ("event", "01-13", "道路破损", True),
            "noise": ("event", "01-28", "噪声扰民", True),
            "manhole_cover": ("component", "01-14", "不明井盖", True),
            "street_light": ("component", "01-18", "路灯", True),
            "waterlogging": None,
            "other": None,
        },
    ),
    GBT_47678_5_2026: _table(
        GBT_47678_5_2026,
        {
            "out_of_store_business": ("event", "09005", "店外经营"),
            "unlicensed_peddler": ("event", "09001", "无照经营游商"),
            "piled_materials": ("event", "06036", "乱堆杂物"),
            "illegal_small_ads": ("event", "07001", "非法小广告"),
            "street_drying": ("event", "06007", "沿街晾挂"),
            "lane_occupation": ("event", "09006", "占道经营"),
            "illegal_parking": ("event", "09009", "机动车乱停放"),
            "exposed_garbage": ("event", "06010", "暴露垃圾"),
            "construction_waste": ("event", "06011", "积存垃圾渣土"),
            "road_damage": ("event", "06013", "道路破损"),
            "noise": ("event", "06028", "噪声扰民"),
            "manhole_cover": ("component", "01023", "不明井盖"),
            "street_light": ("component", "01037", "路灯"),
            "waterlogging": None,
            "other": None,
        },
    ),
}


# (standard, kind, major code) -> major class name (大类). 2013: the event majors of the
# cmict enum (04 = 街面秩序 there) and the CJ/T 214 component majors; 2026: GB/T 47678.5.
MAJOR_CLASS_NAMES: dict[tuple[str, str, str], str] = {
    (GBT_30428_2_2013, "event", "01"): "市容环境",
    (GBT_30428_2_2013, "event", "02"): "宣传广告",
    (GBT_30428_2_2013, "event", "03"): "施工管理",
    (GBT_30428_2_2013, "event", "04"): "街面秩序",
    (GBT_30428_2_2013, "component", "01"): "公用设施",
    (GBT_47678_5_2026, "event", "06"): "市容环境类",
    (GBT_47678_5_2026, "event", "07"): "宣传广告类",
    (GBT_47678_5_2026, "event", "08"): "施工管理类",
    (GBT_47678_5_2026, "event", "09"): "街面秩序类",
    (GBT_47678_5_2026, "component", "01"): "市政公用设施",
}


def major_class(code: ClassCode) -> tuple[str, str]:
    """(major class code, its name) of a class: ``01-10`` → ``01``; ``06010`` → ``06``."""
    major = code.code[:2]
    return major, MAJOR_CLASS_NAMES[(code.standard, code.kind, major)]


def seed_row(category: str, *, standard: str = DEFAULT_STANDARD) -> dict[str, str]:
    """The GB/T class columns of ``category`` in the warehouse seed (empty strings: no class)."""
    code = class_code(category, standard=standard)
    if code is None:
        return {k: "" for k in SEED_COLUMNS}
    major, major_name = major_class(code)
    return {
        "gbt_class_standard": code.standard,
        "gbt_class_kind": code.kind,
        "gbt_major_class_code": major,
        "gbt_major_class_name": major_name,
        "gbt_class_code": code.code,
        "gbt_class_name": code.name,
        "is_gbt_class_inferred": str(code.inferred).lower(),
    }


SEED_COLUMNS: tuple[str, ...] = (
    "gbt_class_standard",
    "gbt_class_kind",
    "gbt_major_class_code",
    "gbt_major_class_name",
    "gbt_class_code",
    "gbt_class_name",
    "is_gbt_class_inferred",
)


def class_code(category: str, *, standard: str = DEFAULT_STANDARD) -> ClassCode | None:
    """The class of ``category`` in ``standard``; None when the standard has none.

    Raises KeyError for an unknown standard or a category citybrain does not have.
    """
    if category not in CATEGORIES:
        raise KeyError(f"unknown citybrain category {category!r}")
    return CLASS_CODES[standard][category]


class Urgency(StrEnum):
    """Urgency levels, lowest first. Urgent and emergency clocks count natural hours."""

    NORMAL = "normal"  # 一般
    URGENT = "urgent"  # 紧急 (急要件)
    EMERGENCY = "emergency"  # 重大 / 应急: handed over to emergency response


URGENCY_ORDER: tuple[Urgency, ...] = (Urgency.NORMAL, Urgency.URGENT, Urgency.EMERGENCY)

# categories that are a hazard to people by default (open manhole, flooded road)
DEFAULT_URGENCY: dict[str, Urgency] = {
    "manhole_cover": Urgency.URGENT,
    "waterlogging": Urgency.URGENT,
}


def urgency_for(category: str, *, requested: str | None = None) -> Urgency:
    """The case's urgency: the higher of the category's default and ``requested``."""
    base = DEFAULT_URGENCY.get(category, Urgency.NORMAL)
    if requested is None:
        return base
    asked = Urgency(requested)
    return max(base, asked, key=URGENCY_ORDER.index)
