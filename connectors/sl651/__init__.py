"""SL 651-2014 hydrological telemetry (HEX/BCD mode): frames, elements, the TCP gateway.

``frames`` and ``elements`` are pure; ``gateway`` is the asyncio I/O adapter
that acknowledges stations and publishes readings to ``hydro.readings``.
ASCII mode is not implemented: such frames are refused with that reason.
"""
