"""JT/T 808 (2013 and 2019) vehicle terminals: framing, messages, and the TCP gateway.

``frames`` and ``messages`` are pure (bytes in, values out, and back);
``gateway`` is the asyncio I/O adapter that answers terminals and publishes
fixes to ``gps.fixes``.
"""
