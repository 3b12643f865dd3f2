"""SL 651-2014 hydrological telemetry (HEX/BCD and ASCII modes): frames, elements, the gateway.

``frames`` (HEX/BCD), ``ascii`` and ``elements`` are pure; ``session`` tells
the framings apart by their first bytes and acknowledges in the same mode;
``gateway`` is the asyncio I/O adapter that publishes readings to
``hydro.readings``.
"""
