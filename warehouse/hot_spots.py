"""Gi* hot spots per period and category over a study area of H3 cells, and their series.

Pure: counts and a study area in, one row per cell and test out. A test is
one (period, category): its counts on every cell of the study area (zero
where nothing happened), Gi* with k-ring neighbours (:mod:`warehouse.getis_ord`),
two-sided p-values and Benjamini–Hochberg over the test's cells.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from warehouse.emerging_hot_spots import NO_PATTERN, classify, mann_kendall
from warehouse.getis_ord import (
    H3_RING_K,
    bh_adjust,
    confidence_bin,
    gi_star_z,
    p_two_sided,
    ring_neighbours,
)

HOT_SPOT_CLASSES = {
    3: "hot_99",
    2: "hot_95",
    1: "hot_90",
    0: "not_significant",
    -1: "cold_90",
    -2: "cold_95",
    -3: "cold_99",
}
RESULT_COLUMNS = (
    "period",
    "category",
    "h3_res9",
    "incident_count",
    "ring_incident_count",
    "ring_cell_count",
    "study_area_cell_count",
    "gi_star_z_score",
    "gi_star_p_value",
    "gi_star_fdr_p_value",
    "gi_bin",
    "hot_spot_class",
)


def gi_star_rows(
    counts: Iterable[tuple[Any, str, str, int]],
    *,
    study_area: Iterable[str],
    k: int = H3_RING_K,
    keep_quiet_cells: bool = False,
) -> list[dict]:
    """Gi* of every (period, category) in ``counts`` over ``study_area`` ∪ the counted cells.

    ``counts`` holds (period, category, h3_res9, incident_count) tuples. Each
    test's cells are the study area plus every cell with a count in that
    period (any category), so the cells of a period's tests are the same.
    Rows of cells with no incident in their ring and no significance are
    left out unless ``keep_quiet_cells``; they still count in n.
    """
    by_test: dict[tuple[Any, str], dict[str, float]] = defaultdict(dict)
    cells_of_period: dict[Any, set[str]] = defaultdict(set)
    for period, category, cell, count in counts:
        cell_counts = by_test[(period, category)]
        cell_counts[cell] = cell_counts.get(cell, 0) + count
        cells_of_period[period].add(cell)
    area = set(study_area)
    rows: list[dict] = []
    rings: dict[Any, tuple[list[str], np.ndarray]] = {}
    for (period, category), cell_counts in sorted(by_test.items(), key=lambda t: str(t[0])):
        if period not in rings:
            cells = sorted(area | cells_of_period[period])
            rings[period] = (cells, ring_neighbours(cells, k=k))
        cells, neighbours = rings[period]
        rows += rows_of_test(period, category, cells, neighbours, cell_counts, keep_quiet_cells)
    return rows


def rows_of_test(
    period: Any,
    category: str,
    cells: Sequence[str],
    neighbours: np.ndarray,
    cell_counts: dict[str, float],
    keep_quiet_cells: bool,
) -> list[dict]:
    """Rows of one Gi* test (one period and category) over ``cells``."""
    values = np.array([cell_counts.get(c, 0) for c in cells], dtype=np.float64)
    z = gi_star_z(values, neighbours)
    p = p_two_sided(z)
    q = bh_adjust(p)
    bins = confidence_bin(z, q)
    mask = neighbours >= 0
    ring_counts = np.where(mask, values[np.where(mask, neighbours, 0)], 0.0).sum(axis=1)
    ring_sizes = mask.sum(axis=1)
    rows = []
    for i, cell in enumerate(cells):
        if not keep_quiet_cells and ring_counts[i] == 0 and bins[i] == 0:
            continue
        rows.append(
            {
                "period": period,
                "category": category,
                "h3_res9": cell,
                "incident_count": int(values[i]),
                "ring_incident_count": int(ring_counts[i]),
                "ring_cell_count": int(ring_sizes[i]),
                "study_area_cell_count": len(cells),
                "gi_star_z_score": none_if_nan(z[i]),
                "gi_star_p_value": none_if_nan(p[i]),
                "gi_star_fdr_p_value": none_if_nan(q[i]),
                "gi_bin": int(bins[i]),
                "hot_spot_class": HOT_SPOT_CLASSES[int(bins[i])],
            }
        )
    return rows


def none_if_nan(value: float) -> float | None:
    """A float, or None where it is NaN (undefined statistic)."""
    return None if np.isnan(value) else float(value)


def emerging_rows(
    counts: Iterable[tuple[Any, str, str, int]],
    *,
    steps: Sequence[Any],
    study_area: Iterable[str],
    k: int = H3_RING_K,
    alpha: float = 0.05,
) -> list[dict]:
    """Emerging-hot-spot pattern per category and cell over the time ``steps`` (oldest first).

    ``counts`` holds (step, category, h3_res9, incident_count); steps without a
    count are zeros. Each step's Gi* runs over one fixed set of cells (the study
    area ∪ every counted cell) so the series line up; a step is a significant
    hot (cold) spot where z > 0 (< 0) and its BH-adjusted p ≤ ``alpha``, which
    is also the Mann-Kendall level. Rows are written for cells with an incident
    in the window or a pattern.
    """
    position = {step: t for t, step in enumerate(steps)}
    cube: dict[str, dict[str, np.ndarray]] = {}
    counted: set[str] = set()
    rows_in = [row for row in counts if row[0] in position]
    for _, _, cell, _ in rows_in:
        counted.add(cell)
    cells = sorted(set(study_area) | counted)
    column = {cell: i for i, cell in enumerate(cells)}
    for step, category, cell, count in rows_in:
        values = cube.setdefault(category, {"x": np.zeros((len(steps), len(cells)))})["x"]
        values[position[step], column[cell]] += count
    neighbours = ring_neighbours(cells, k=k)
    out: list[dict] = []
    for category in sorted(cube):
        values = cube[category]["x"]
        z = np.vstack([gi_star_z(row, neighbours) for row in values])
        q = np.vstack([bh_adjust(p_two_sided(row)) for row in z])
        significant = np.isfinite(q) & (q <= alpha)
        hot, cold = significant & (z > 0), significant & (z < 0)
        totals = values.sum(axis=0)
        for i, cell in enumerate(cells):
            pattern = classify(hot[:, i], cold[:, i], z[:, i], alpha=alpha)
            if totals[i] == 0 and pattern == NO_PATTERN:
                continue
            _, trend_z, trend_p = mann_kendall(np.nan_to_num(z[:, i]))
            out.append(
                {
                    "category": category,
                    "h3_res9": cell,
                    "time_step_count": len(steps),
                    "incident_count": int(totals[i]),
                    "hot_step_count": int(hot[:, i].sum()),
                    "cold_step_count": int(cold[:, i].sum()),
                    "final_gi_star_z_score": none_if_nan(z[-1, i]),
                    "mann_kendall_z_score": trend_z,
                    "mann_kendall_p_value": trend_p,
                    "emerging_pattern": pattern,
                }
            )
    return out
