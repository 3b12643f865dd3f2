"""flood: rolling rainfall, water level and waterlogging → nowcast → alerts (+ CAP feed).

Pure core, one module per step: ``state`` (a station's stored readings),
``accumulate`` (windows, level, depth), ``levels`` and ``stations``
(thresholds), ``nowcast``, ``signals``, ``lifecycle`` (alert messages) and
``cap`` (CAP 1.2 XML / JSON).
"""
