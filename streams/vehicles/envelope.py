"""A newly opened violation episode → the ``alerts`` envelope (:mod:`citybrain.contracts.alert`).

``source`` "vehicles", ``severity`` Moderate, ``level`` the rule broken, and
``category`` by rule (:data:`RULES`): the muck-truck rules (``no_permit``,
``outside_window``, ``off_route``, ``forbidden_zone``) are
"construction_waste" (建筑垃圾: muck transport); ``sweep_speeding`` (a
sanitation vehicle above the sweeping limit) is "other", as citybrain has no
category for sanitation operations. ``event_id`` is ``<alert_id>.1`` (the
first and, for now, only message of the alert) and ``sent_at`` the breach's
event time, so a redelivery produces the identical message. ``event_at``,
``lat`` and ``lng`` are the first breaching fix's. ``details`` hold the
vehicle, its permits, the breaching fixes as evidence and what the rule
needs said (the zones entered, the speed limit).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

SOURCE = "vehicles"
SEVERITY = "Moderate"
RULES: dict[str, tuple[str, str]] = {  # rule -> (category, title)
    "no_permit": ("construction_waste", "渣土车无有效准运证行驶"),
    "outside_window": ("construction_waste", "渣土车在准运时段外行驶"),
    "off_route": ("construction_waste", "渣土车偏离准运路线"),
    "forbidden_zone": ("construction_waste", "渣土车驶入禁行区域"),
    "sweep_speeding": ("other", "环卫车辆作业超速"),
}


def envelope(
    opened: Mapping[str, Any],
    *,
    vehicle: Mapping[str, Any],
    permits: Sequence[Mapping[str, Any]] = (),
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The ``alerts`` document of one opened episode of ``vehicle`` (a reference row)."""
    fix = opened["fix"]
    kind = opened["kind"]
    category, title = RULES[kind]
    plate = vehicle.get("plate", "")
    return {
        "event_id": f"{opened['alert_id']}.1",
        "alert_id": opened["alert_id"],
        "msg_type": "Alert",
        "source": SOURCE,
        "category": category,
        "severity": SEVERITY,
        "level": kind,
        "event_at": fix["fixed_at"],
        "sent_at": fix["fixed_at"],
        "lat": fix["lat"],
        "lng": fix["lng"],
        "title": f"{title} {plate}".strip(),
        "details": {
            "rule": kind,
            "vehicle": {
                "vehicle_id": vehicle.get("vehicle_id"),
                "plate": plate,
                "vehicle_type": vehicle.get("vehicle_type"),
                "company": vehicle.get("company") or vehicle.get("owner"),
            },
            "permits": [
                {"permit_id": p["permit_id"], "holder": p["holder"], "time_windows": p["windows"]}
                for p in permits
            ],
            "evidence": [dict(f) for f in opened.get("evidence") or [fix]],
            **(extra or {}),
        },
    }
