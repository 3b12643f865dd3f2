"""Gi* against PySAL esda on the same counts and H3 k-ring weights; BH against scipy."""

import random

import h3
import numpy as np
import pytest
from esda.getisord import G_Local
from libpysal.weights import W
from scipy.stats import false_discovery_control

from warehouse.getis_ord import (
    bh_adjust,
    confidence_bin,
    gi_star_z,
    p_two_sided,
    ring_neighbours,
)

CENTRE = h3.latlng_to_cell(30.25, 120.15, 9)


def study_area(seed: int) -> list[str]:
    """A ragged patch of res-9 cells: a 5-ring disk with a few cells cut out."""
    rnd = random.Random(seed)
    cells = sorted(h3.grid_disk(CENTRE, 5))
    return [c for c in cells if rnd.random() > 0.1]


def esda_z(cells: list[str], values: np.ndarray, *, k: int) -> np.ndarray:
    position = {c: i for i, c in enumerate(cells)}
    neighbours = {
        i: [position[c] for c in h3.grid_disk(cell, k) if c in position and c != cell]
        for i, cell in enumerate(cells)
    }
    weights = W(neighbours, silence_warnings=True)
    return G_Local(values, weights, transform="B", star=True, permutations=0).Zs


@pytest.mark.parametrize(("seed", "k"), [(1, 1), (2, 1), (3, 2)])
def test_z_scores_equal_esda_g_local_star(seed, k):
    cells = study_area(seed)
    rnd = np.random.default_rng(seed)
    values = rnd.poisson(0.8, len(cells)).astype(float)
    values[:5] += 12  # a few busy cells
    ours = gi_star_z(values, ring_neighbours(cells, k=k))
    theirs = esda_z(cells, values, k=k)
    assert np.all(np.isfinite(ours))
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)


def test_ring_neighbours_include_the_cell_and_stop_at_the_study_area():
    cells = sorted(h3.grid_disk(CENTRE, 1))
    rings = ring_neighbours(cells, k=1)
    centre_row = rings[cells.index(CENTRE)]
    assert sorted(centre_row.tolist()) == list(range(7))
    edge_row = rings[0]
    assert 0 in edge_row  # itself
    assert CENTRE in [cells[i] for i in edge_row if i >= 0]
    assert (edge_row >= 0).sum() == 4  # itself, the centre and its two ring neighbours


def test_constant_counts_have_no_z_score():
    cells = sorted(h3.grid_disk(CENTRE, 2))
    z = gi_star_z(np.full(len(cells), 4.0), ring_neighbours(cells))
    assert np.isnan(z).all()
    assert (confidence_bin(z, bh_adjust(p_two_sided(z))) == 0).all()


def test_p_values_are_two_sided_normal():
    z = np.array([0.0, 1.6448536269514722, -1.959963984540054, 2.5758293035489004, np.nan])
    np.testing.assert_allclose(p_two_sided(z)[:4], [1.0, 0.10, 0.05, 0.01], atol=1e-12)
    assert np.isnan(p_two_sided(z)[4])


def test_bh_adjustment_equals_scipy():
    p = np.random.default_rng(7).uniform(0, 0.2, 40) ** 2
    np.testing.assert_allclose(bh_adjust(p), false_discovery_control(p), atol=1e-15)


def test_bh_skips_untested_cells():
    q = bh_adjust(np.array([0.01, np.nan, 0.04]))
    np.testing.assert_allclose(q[[0, 2]], [0.02, 0.04])
    assert np.isnan(q[1])


def test_confidence_bins_by_adjusted_p_and_sign():
    z = np.array([4.0, -4.0, 2.1, 1.7, 1.0, -2.0])
    q = np.array([0.001, 0.009, 0.03, 0.08, 0.5, 0.10])
    assert confidence_bin(z, q).tolist() == [3, -3, 2, 1, 0, -1]


def test_an_adjusted_p_value_is_never_below_the_raw_one():
    # 0.941489330812852 * 5 / 5 rounds one ulp down: the largest p's q must still be p
    p = np.array([0.1, 0.1, 0.1, 0.1, 0.941489330812852])
    q = bh_adjust(p)
    assert (q >= p).all()
    assert q[-1] == p[-1]
