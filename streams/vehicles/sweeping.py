"""Sanitation vehicles' speed while sweeping: which fixes break the sweeping limit.

A sanitation vehicle is taken to be sweeping when its JT/T 808 status word
(``status_flags``, JT/T 808-2013 table 24) has ACC on (bit 0) and is in
service (bit 4, 营运状态, clear). Terminals report no standard "brushes
down" bit; a county whose sweepers report one through an extension should
narrow this predicate. A sweeping fix above ``max_kmh`` (default
``SWEEP_MAX_KMH`` = 15 km/h, ``CITYBRAIN_SWEEP_MAX_KMH``) breaks the rule
``sweep_speeding``; the episode alerts only when the breach has lasted
``over_s`` (default 60 s, ``CITYBRAIN_SWEEP_OVER_S``;
:mod:`streams.vehicles.episodes`, ``sustain_s``).
"""

from __future__ import annotations

import numpy as np

SWEEP_SPEEDING = "sweep_speeding"
SANITATION = "sanitation"
SWEEP_MAX_KMH = 15.0
SWEEP_OVER_S = 60.0
ACC_ON = 1 << 0
OUT_OF_SERVICE = 1 << 4


def is_sweeping(status_flags: np.ndarray) -> np.ndarray:
    """True where the status word has ACC on and the vehicle in service."""
    flags = np.asarray(status_flags, dtype=np.int64)
    return (flags & ACC_ON != 0) & (flags & OUT_OF_SERVICE == 0)


def speeding(
    *, status_flags: np.ndarray, speed_kmh: np.ndarray, max_kmh: float = SWEEP_MAX_KMH
) -> np.ndarray:
    """True for each fix sweeping faster than ``max_kmh``."""
    return is_sweeping(status_flags) & (np.asarray(speed_kmh, dtype=float) > max_kmh)
