"""Open311 GeoReport v2 services: one service per citybrain category.

The service list of the Open311 door (``GET /open311/v2/services``): ``service_code`` is
the category code, ``service_name`` its Chinese + English name, ``metadata`` false (there
are no service definitions), ``type`` realtime; ``keywords`` and ``group`` help a client's
picker. :mod:`connectors.open311` refuses a POSTed ``service_code`` that is not one of these.
"""

from __future__ import annotations

from typing import Any

from citybrain.categories import REPORT_CATEGORIES

GROUPS = {
    "order": "街面秩序 Street order",
    "appearance": "市容环境 City appearance and environment",
    "facilities": "市政设施 Public facilities",
    "other": "其他 Other",
}

# category -> (English name, group, description, extra keywords)
SERVICES: dict[str, tuple[str, str, str, str]] = {
    "out_of_store_business": (
        "Business outside the shop",
        "order",
        "Goods or business spread onto the pavement in front of a shop.",
        "出店经营,跨门营业,shop front",
    ),
    "unlicensed_peddler": (
        "Unlicensed street vendor",
        "order",
        "Mobile vendors selling without a licence.",
        "流动摊贩,游商,vendor,peddler",
    ),
    "lane_occupation": (
        "Stall occupying the road",
        "order",
        "Stalls or business occupying a road or pavement.",
        "占道摆摊,马路市场,stall",
    ),
    "illegal_parking": (
        "Illegal parking",
        "order",
        "Vehicles parked where parking is not allowed, blocking roads or pavements.",
        "违停,乱停车,parking",
    ),
    "street_drying": (
        "Laundry drying on the street",
        "order",
        "Clothes or goods hung to dry along the street.",
        "乱晾晒,laundry",
    ),
    "piled_materials": (
        "Piled materials",
        "appearance",
        "Materials or goods piled in public space.",
        "乱堆乱放,堆物堆料,clutter",
    ),
    "illegal_small_ads": (
        "Illegal small ads",
        "appearance",
        "Flyers, stickers or painted ads on walls, poles and pavements.",
        "小广告,乱张贴,牛皮癣,flyers,graffiti",
    ),
    "exposed_garbage": (
        "Exposed garbage",
        "appearance",
        "Rubbish left in the open or overflowing bins.",
        "垃圾,litter,rubbish",
    ),
    "construction_waste": (
        "Construction waste",
        "appearance",
        "Construction or renovation debris dumped in public space.",
        "渣土,装修垃圾,debris",
    ),
    "noise": (
        "Noise",
        "appearance",
        "Noise from construction, business or loudspeakers disturbing residents.",
        "噪音,扰民,noise",
    ),
    "road_damage": (
        "Damaged road or pavement",
        "facilities",
        "Potholes, broken paving or damaged kerbs.",
        "路面破损,坑洼,pothole,sidewalk",
    ),
    "manhole_cover": (
        "Manhole cover",
        "facilities",
        "Missing, broken or loose manhole covers.",
        "井盖,manhole",
    ),
    "street_light": (
        "Street light out",
        "facilities",
        "Street lights that are out, flickering or damaged.",
        "路灯,streetlight",
    ),
    "waterlogging": (
        "Standing water on the road",
        "facilities",
        "Water standing on roads, underpasses or pavements after rain.",
        "积水,内涝,flooding",
    ),
    "other": ("Other", "other", "Any other problem in public space.", "其他,other"),
}


def service_name(category: str) -> str:
    """Chinese + English name of a category's service, e.g. ``违章停车 Illegal parking``."""
    english = SERVICES.get(category, SERVICES["other"])[0]
    return f"{REPORT_CATEGORIES.get(category, category)} {english}"


def services() -> list[dict[str, Any]]:
    """The GeoReport service list: one ``realtime`` service per citybrain category."""
    return [
        {
            "service_code": code,
            "service_name": service_name(code),
            "description": description,
            "metadata": False,
            "type": "realtime",
            "keywords": f"{REPORT_CATEGORIES[code]},{keywords}",
            "group": GROUPS[group],
        }
        for code, (_, group, description, keywords) in SERVICES.items()
    ]
