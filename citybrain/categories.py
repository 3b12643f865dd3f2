"""citybrain incident categories: code → Chinese name.

Categories are citybrain's own stable codes. The GB/T 30428.2 class codes they
map to are versioned dictionaries owned by the case engine, not by this table.
"""

VIDEO_CATEGORIES: dict[str, str] = {
    "out_of_store_business": "店外经营",
    "unlicensed_peddler": "无证游商",
    "piled_materials": "乱堆物料",
    "illegal_small_ads": "非法小广告",
    "street_drying": "沿街晾晒",
    "lane_occupation": "占道经营",
    "illegal_parking": "违章停车",
}

REPORT_CATEGORIES: dict[str, str] = {
    **VIDEO_CATEGORIES,
    "exposed_garbage": "暴露垃圾",
    "road_damage": "道路破损",
    "waterlogging": "道路积水",
    "manhole_cover": "井盖破损",
    "street_light": "路灯故障",
    "noise": "噪声扰民",
    "construction_waste": "建筑垃圾",
    "other": "其他",
}

CATEGORIES: dict[str, str] = dict(REPORT_CATEGORIES)
