"""Emerging-hot-spot classes against a plain reference of Esri's published rules."""

import itertools
import math
import random
from collections import Counter

import numpy as np
import pytest

from warehouse.emerging_hot_spots import classify, mann_kendall


def reference_mann_kendall(x: list[float]) -> tuple[int, float]:
    """Textbook Mann-Kendall: S by double loop, tie-corrected variance, continuity correction."""
    n = len(x)
    s = sum((x[j] > x[i]) - (x[j] < x[i]) for i in range(n) for j in range(i + 1, n))
    ties = Counter(x).values()
    var = (n * (n - 1) * (2 * n + 5) - sum(t * (t - 1) * (2 * t + 5) for t in ties)) / 18
    if s == 0 or var == 0:
        return s, 1.0
    z = (s - 1) / math.sqrt(var) if s > 0 else (s + 1) / math.sqrt(var)
    return s, 2 * (1 - 0.5 * (1 + math.erf(abs(z) / math.sqrt(2))))


def reference_classify(states: str, z: list[float], alpha: float = 0.05) -> str:
    """Esri's rules read off a string of steps: H hot, C cold, . neither (oldest first)."""
    n = len(states)
    hots, colds = states.count("H"), states.count("C")
    for kind, mine, other, sign in (("hot", "H", "C", 1), ("cold", "C", "H", -1)):
        count = states.count(mine)
        if not states.endswith(mine):
            continue
        if count == 1:
            return f"new_{kind}_spot"
        run = len(states) - len(states.rstrip(mine))
        if run >= 2 and count == run and count / n < 0.9:
            return f"consecutive_{kind}_spot"
        if count / n >= 0.9:
            s, p = reference_mann_kendall([sign * v for v in z])
            if p < alpha and s > 0:
                return f"intensifying_{kind}_spot"
            if p < alpha and s < 0:
                return f"diminishing_{kind}_spot"
            return f"persistent_{kind}_spot"
        if other not in states:
            return f"sporadic_{kind}_spot"
        return f"oscillating_{kind}_spot"
    if hots / n >= 0.9:
        return "historical_hot_spot"
    if colds / n >= 0.9:
        return "historical_cold_spot"
    return "no_pattern_detected"


def ours(states: str, z: list[float]) -> str:
    return classify(
        np.array([c == "H" for c in states]), np.array([c == "C" for c in states]), np.array(z)
    )


RISING = [float(i) for i in range(1, 11)]
FLAT = [3.0, 3.2, 2.9, 3.1, 3.0, 2.8, 3.1, 3.0, 2.9, 3.1]
# one constructed cube: a location per class, ten time steps each
CUBE = {
    "new_hot_spot": (".........H", FLAT),
    "consecutive_hot_spot": ("......C.HH", FLAT),
    "intensifying_hot_spot": ("HHHHHHHHHH", RISING),
    "persistent_hot_spot": ("HHHHHHHHHH", FLAT),
    "diminishing_hot_spot": (".HHHHHHHHH", RISING[::-1]),
    "sporadic_hot_spot": ("H..H.H...H", FLAT),
    "oscillating_hot_spot": ("H..C.H..HH", FLAT),
    "historical_hot_spot": ("HHHHHHHHH.", FLAT),
    "new_cold_spot": (".........C", [-v for v in FLAT]),
    "consecutive_cold_spot": ("......H.CC", [-v for v in FLAT]),
    "intensifying_cold_spot": ("CCCCCCCCCC", [-v for v in RISING]),
    "persistent_cold_spot": ("CCCCCCCCCC", [-v for v in FLAT]),
    "diminishing_cold_spot": (".CCCCCCCCC", [-v for v in RISING[::-1]]),
    "sporadic_cold_spot": ("C..C.C...C", [-v for v in FLAT]),
    "oscillating_cold_spot": ("C..H.C..CC", [-v for v in FLAT]),
    "historical_cold_spot": ("CCCCCCCCC.", [-v for v in FLAT]),
    "no_pattern_detected": ("H..C......", FLAT),
}


@pytest.mark.parametrize("expected", sorted(CUBE))
def test_constructed_cube_exercises_every_class(expected):
    states, z = CUBE[expected]
    assert reference_classify(states, z) == expected
    assert ours(states, z) == expected


def test_the_final_step_decides_before_history():
    z = [*FLAT[:9], -2.0]  # hot for 90 % of the steps, then cold for the first time
    assert ours("HHHHHHHHHC", z) == reference_classify("HHHHHHHHHC", z) == "new_cold_spot"
    z = [*FLAT[:8], -2.0, -2.0]  # hot for 80 %, then a second cold step
    assert ours("CHHHHHHHHC", z) == reference_classify("CHHHHHHHHC", z) == "oscillating_cold_spot"


def test_every_short_series_agrees_with_the_reference():
    rnd = random.Random(5)
    for steps in range(1, 7):
        for states in itertools.product("HC.", repeat=steps):
            text = "".join(states)
            z = [rnd.gauss(0, 2) for _ in text]
            assert ours(text, z) == reference_classify(text, z), (text, z)


def test_random_long_series_agree_with_the_reference():
    rnd = random.Random(11)
    for _ in range(2000):
        steps = rnd.randint(7, 30)
        bias = rnd.random()
        text = "".join(
            rnd.choices("HC.", weights=(bias * 10, (1 - bias) * 2, 1), k=1)[0] for _ in range(steps)
        )
        trend = rnd.choice((-1, 0, 1)) * rnd.random()
        z = [trend * i + rnd.gauss(0, 1) for i in range(steps)]
        if rnd.random() < 0.2:
            z = [round(v) for v in z]  # ties
        assert ours(text, z) == reference_classify(text, z), (text, z)


def test_mann_kendall_matches_the_textbook_and_a_worked_value():
    s, z, p = mann_kendall(np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    assert s == 10
    assert z == pytest.approx(9 / math.sqrt(5 * 4 * 15 / 18))
    assert p == pytest.approx(0.027486, abs=1e-6)
    rnd = random.Random(3)
    for _ in range(200):
        x = [float(rnd.randint(0, 6)) for _ in range(rnd.randint(2, 25))]
        s, _, p = mann_kendall(np.array(x))
        ref_s, ref_p = reference_mann_kendall(x)
        assert s == ref_s
        assert p == pytest.approx(ref_p, abs=1e-12)
