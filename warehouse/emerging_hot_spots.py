"""Emerging hot spots: Esri's eight hot and eight cold patterns over a series of Gi* results.

Pure functions. A location's series is, per time step (oldest first), whether it
was a significant hot spot, a significant cold spot, and its Gi* z-score. The
rules are those Esri publishes for Emerging Hot Spot Analysis ("How Emerging
Hot Spot Analysis works"), with "90 percent of the time steps" read as ≥ 90 %
and the Mann-Kendall trend test run on the z-scores at level ``alpha``:

- new: hot in the final step and never before;
- consecutive: a single uninterrupted run of ≥ 2 hot steps ending with the final
  one, never hot before the run, < 90 % of steps hot;
- intensifying / persistent / diminishing: hot in ≥ 90 % of steps including the
  final one, with a significant upward trend / no significant trend / a
  significant downward trend of the z-scores;
- sporadic: hot in the final step, < 90 % of steps hot, never a cold spot;
- oscillating: hot in the final step, < 90 % of steps hot, a cold spot before;
- historical: not hot in the final step, hot in ≥ 90 % of steps.

Where rules overlap they apply in that order (new first), and the final step
decides first: a location cold in the final step after ≥ 90 % hot steps is an
oscillating cold spot, not a historical hot spot. Cold patterns are the same
rules with hot and cold swapped and the z-scores negated (an intensifying cold
spot grows colder). A location neither hot nor cold in the final step that is
not historical has no pattern.
"""

from __future__ import annotations

import math

import numpy as np

PERSISTENT_SHARE = 0.9  # "90 percent of the time-step intervals"
NO_PATTERN = "no_pattern_detected"


def mann_kendall(values: np.ndarray) -> tuple[int, float, float]:
    """Mann-Kendall trend test: (S, z, two-sided p), tie-corrected variance, continuity-corrected z.

    S = Σ_{i<j} sign(x_j − x_i); Var S = (n(n−1)(2n+5) − Σ t(t−1)(2t+5)) / 18
    over groups of t tied values; z = (S − sign S) / sqrt(Var S). With fewer
    than 2 values or no variance, z = 0 and p = 1.
    """
    x = np.asarray(values, dtype=np.float64)
    n = x.size
    if n < 2:
        return 0, 0.0, 1.0
    s = int(np.sign(x[None, :] - x[:, None])[np.triu_indices(n, k=1)].sum())
    _, ties = np.unique(x, return_counts=True)
    variance = (n * (n - 1) * (2 * n + 5) - (ties * (ties - 1) * (2 * ties + 5)).sum()) / 18
    if variance <= 0 or s == 0:
        return s, 0.0, 1.0
    z = (s - math.copysign(1, s)) / math.sqrt(variance)
    return s, z, math.erfc(abs(z) / math.sqrt(2))


def trailing_run(flags: np.ndarray) -> int:
    """Length of the run of True at the end of ``flags``."""
    run = 0
    for flag in flags[::-1]:
        if not flag:
            break
        run += 1
    return run


def one_sided_pattern(
    hot: np.ndarray, cold: np.ndarray, z: np.ndarray, *, alpha: float
) -> str | None:
    """The pattern of a location that is "hot" in the final step; None when it is not.

    Written for hot spots; pass (cold, hot, −z) for cold spots.
    """
    hot_count = int(hot.sum())
    persistent = hot_count >= PERSISTENT_SHARE * hot.size
    if not hot[-1]:
        return None
    if hot_count == 1:
        return "new"
    run = trailing_run(hot)
    if run >= 2 and run == hot_count and not persistent:
        return "consecutive"
    if persistent:
        s, _, p = mann_kendall(z)
        if p < alpha and s > 0:
            return "intensifying"
        if p < alpha and s < 0:
            return "diminishing"
        return "persistent"
    return "oscillating" if cold.any() else "sporadic"


def classify(hot: np.ndarray, cold: np.ndarray, z: np.ndarray, *, alpha: float = 0.05) -> str:
    """Emerging-hot-spot pattern of one location, e.g. ``new_hot_spot`` or ``no_pattern_detected``.

    ``hot`` and ``cold`` flag significant hot and cold steps (oldest first);
    ``z`` holds the Gi* z-scores of the same steps (NaN, an undefined score,
    counts as 0: no clustering).
    """
    hot = np.asarray(hot, dtype=bool)
    cold = np.asarray(cold, dtype=bool)
    z = np.nan_to_num(np.asarray(z, dtype=np.float64))
    if hot.size == 0:
        return NO_PATTERN
    pattern = one_sided_pattern(hot, cold, z, alpha=alpha)
    if pattern is not None:
        return f"{pattern}_hot_spot"
    pattern = one_sided_pattern(cold, hot, -z, alpha=alpha)
    if pattern is not None:
        return f"{pattern}_cold_spot"
    if hot.sum() >= PERSISTENT_SHARE * hot.size:
        return "historical_hot_spot"
    if cold.sum() >= PERSISTENT_SHARE * cold.size:
        return "historical_cold_spot"
    return NO_PATTERN
