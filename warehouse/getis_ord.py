"""Getis-Ord Gi* hot spots on H3 cells: z-scores, p-values, FDR and confidence bins.

Pure functions over numpy arrays (no PySAL at run time). Neighbours are H3
k-rings with binary weights; Gi* counts the cell itself (w_ii = 1). The
z-score is the analytical one of Ord & Getis (1995), the same as
``esda.G_Local(y, w, transform="B", star=True).Zs``:

    G*_i  = Σ_j w_ij x_j / Σ_j x_j
    E[G*_i] = W_i / n,   W_i = Σ_j w_ij
    V[G*_i] = W_i (n - W_i) / (n² (n - 1)) · s² / x̄²   (s² the population variance)
    z_i   = (G*_i - E[G*_i]) / sqrt(V[G*_i])

which equals ArcGIS's Gi* formula for binary weights. p-values are two-sided
under the normal approximation; Benjamini–Hochberg adjusts them over the
cells of one test (one period and category), and a cell's confidence bin is
±3 / ±2 / ±1 when its adjusted p-value is ≤ 0.01 / 0.05 / 0.10 (sign of z),
else 0 — ArcGIS's ``Gi_Bin`` with its FDR option.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import h3
import numpy as np

H3_RING_K = 1  # neighbours: the cells within one step of a cell
CONFIDENCE_LEVELS = ((3, 0.01), (2, 0.05), (1, 0.10))  # (bin, largest adjusted p)


def ring_neighbours(cells: Sequence[str], *, k: int = H3_RING_K) -> np.ndarray:
    """Index matrix of each cell's k-ring inside ``cells`` (itself included), padded with -1.

    Row i lists the positions in ``cells`` of the cells within ``k`` H3 steps of
    cells[i]; cells of the ring that are not in ``cells`` are outside the study
    area and are left out.
    """
    position = {cell: i for i, cell in enumerate(cells)}
    rows = [sorted(position[c] for c in h3.grid_disk(cell, k) if c in position) for cell in cells]
    width = max((len(r) for r in rows), default=0)
    out = np.full((len(cells), width), -1, dtype=np.int64)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out


def gi_star_z(values: np.ndarray, neighbours: np.ndarray) -> np.ndarray:
    """Gi* z-score of every cell (binary weights, self included); NaN where undefined.

    ``values`` holds one count per cell of the study area, zeros included;
    ``neighbours`` is :func:`ring_neighbours` of the same cells. The scores are
    undefined (NaN) when all values are equal (no variance) or n < 2.
    """
    x = np.asarray(values, dtype=np.float64)
    n = x.size
    if n < 2:
        return np.full(n, np.nan)
    mask = neighbours >= 0
    lag = np.where(mask, x[np.where(mask, neighbours, 0)], 0.0).sum(axis=1)
    weight_sum = mask.sum(axis=1).astype(np.float64)
    total = x.sum()
    mean = total / n
    variance = (x**2).sum() / n - mean**2
    if total == 0 or variance <= 0:
        return np.full(n, np.nan)
    expected = weight_sum / n
    expected_variance = weight_sum * (n - weight_sum) / (n - 1) / n**2 * variance / mean**2
    with np.errstate(divide="ignore", invalid="ignore"):
        return (lag / total - expected) / np.sqrt(expected_variance)


def p_two_sided(z: np.ndarray) -> np.ndarray:
    """Two-sided normal p-values of z-scores (NaN stays NaN)."""
    return np.array([math.erfc(abs(v) / math.sqrt(2)) if np.isfinite(v) else np.nan for v in z])


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values); NaN p-values are not tests.

    q_(i) = min over j ≥ i of m · p_(j) / j, capped at 1, with m the number of
    finite p-values; rejecting where q ≤ α is the BH step-up procedure at α.
    """
    p = np.asarray(p, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    tested = np.flatnonzero(np.isfinite(p))
    m = tested.size
    if m == 0:
        return out
    order = tested[np.argsort(p[tested], kind="stable")]
    scaled = p[order] * m / np.arange(1, m + 1)
    q = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    # q ≥ p in exact arithmetic (m / j ≥ 1); p · m / m may round one ulp below p
    out[order] = np.maximum(q, p[order])
    return out


def confidence_bin(z: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Hot (+) / cold (-) confidence bin per cell: ±3 99 %, ±2 95 %, ±1 90 %, 0 not significant."""
    z = np.asarray(z, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    level = np.zeros(z.shape, dtype=np.int64)
    for value, alpha in reversed(CONFIDENCE_LEVELS):
        level = np.where(np.isfinite(q) & (q <= alpha), value, level)
    return (level * np.sign(np.nan_to_num(z))).astype(np.int64)
