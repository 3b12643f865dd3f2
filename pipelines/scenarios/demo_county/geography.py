"""The demo county's town: unit grids (单元网格), streets, communities, departments.

云溪县 (Yunxi, a fictional county, admin code 330199) has a town of four
streets (街道), each of three communities (社区), each of four unit grids laid
out on a regular lattice of ~430 m × 445 m squares (WGS-84). Grid codes follow
GB/T 30428.1's 14 digits: county (6) + street (3) + community (3) + grid (2).
"""

from __future__ import annotations

from dataclasses import dataclass

COUNTY_CODE = "330199"
COUNTY_NAME = "云溪县"
ORIGIN_LAT = 30.2400  # south-west corner of the lattice
ORIGIN_LNG = 120.1400
GRID_DLAT = 0.0040  # ~445 m
GRID_DLNG = 0.0045  # ~433 m at 30°N
COLUMNS = 8
ROWS = 6

STREETS = ("云溪街道", "兴隆街道", "桃花街道", "凤凰街道")
COMMUNITY_NAMES = (
    ("东门社区", "滨江社区", "新塘社区"),
    ("西湖社区", "文昌社区", "古镇社区"),
    ("南苑社区", "工业园社区", "桃源社区"),
    ("北站社区", "锦绣社区", "金山社区"),
)

# department -> categories it owns (all grids unless a street squad, see below)
DEPARTMENTS: dict[str, tuple[str, ...]] = {
    "县环卫处": ("exposed_garbage", "construction_waste"),
    "县市政管理处": ("road_damage", "manhole_cover", "street_light", "waterlogging"),
    "县园林绿化中心": (),
    "县交通运输局": ("illegal_parking",),
    "县生态环境分局": ("noise",),
}
SQUAD_CATEGORIES = (
    "out_of_store_business",
    "unlicensed_peddler",
    "piled_materials",
    "illegal_small_ads",
    "street_drying",
    "lane_occupation",
    "other",
)


@dataclass(frozen=True)
class Grid:
    """One unit grid: code, names and its square as WGS-84 bounds."""

    code: str
    street: str
    community: str
    row: int
    column: int
    south_lat: float
    west_lng: float

    @property
    def north_lat(self) -> float:
        return self.south_lat + GRID_DLAT

    @property
    def east_lng(self) -> float:
        return self.west_lng + GRID_DLNG

    @property
    def centre(self) -> tuple[float, float]:
        """(lat, lng) of the grid's centre."""
        return self.south_lat + GRID_DLAT / 2, self.west_lng + GRID_DLNG / 2

    def wkt(self) -> str:
        """The grid's polygon as WKT (x = lng, y = lat)."""
        s, w, n, e = self.south_lat, self.west_lng, self.north_lat, self.east_lng
        return f"POLYGON (({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))"


def street_of(*, row: int, column: int) -> int:
    """Street index (0-3) of a lattice cell: the four quadrants of the town."""
    return (0 if column >= COLUMNS // 2 else 1) + (2 if row < ROWS // 2 else 0)


def grids() -> list[Grid]:
    """All 48 unit grids, in code order."""
    out = []
    for row in range(ROWS):
        for column in range(COLUMNS):
            street = street_of(row=row, column=column)
            community = row % 3
            grid_no = column % 4 + 1
            code = f"{COUNTY_CODE}{street + 1:03d}{community + 1:03d}{grid_no:02d}"
            out.append(
                Grid(
                    code,
                    STREETS[street],
                    COMMUNITY_NAMES[street][community],
                    row,
                    column,
                    ORIGIN_LAT + row * GRID_DLAT,
                    ORIGIN_LNG + column * GRID_DLNG,
                )
            )
    return sorted(out, key=lambda g: g.code)


def grid_at(*, lat: float, lng: float) -> Grid | None:
    """The unit grid containing a WGS-84 point, or None outside the town."""
    row = int((lat - ORIGIN_LAT) // GRID_DLAT)
    column = int((lng - ORIGIN_LNG) // GRID_DLNG)
    if not (0 <= row < ROWS and 0 <= column < COLUMNS):
        return None
    return next(g for g in grids() if g.row == row and g.column == column)


def departments(all_grids: list[Grid]) -> list[dict]:
    """Departments with the categories and grids they own (routing facts)."""
    codes = [g.code for g in all_grids]
    rows = [
        {
            "department_id": f"D{i + 1:02d}",
            "name": name,
            "categories": ",".join(cats),
            "grid_codes": ",".join(codes),
        }
        for i, (name, cats) in enumerate(DEPARTMENTS.items())
    ]
    for i, street in enumerate(STREETS):
        rows.append(
            {
                "department_id": f"E{i + 1:02d}",
                "name": f"{street}综合执法中队",
                "categories": ",".join(SQUAD_CATEGORIES),
                "grid_codes": ",".join(g.code for g in all_grids if g.street == street),
            }
        )
    return rows


def bounds() -> tuple[float, float, float, float]:
    """(south, west, north, east) of the town."""
    return (ORIGIN_LAT, ORIGIN_LNG, ORIGIN_LAT + ROWS * GRID_DLAT, ORIGIN_LNG + COLUMNS * GRID_DLNG)
