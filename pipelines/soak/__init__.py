"""``citybrain soak``: the stack under a steady load, memory sampled over time.

``laps`` loops the demo county's day forever (event times shifted a day per
lap, ids made unique), ``sample`` reads RSS and ``/metrics``, ``verdict``
judges a series against the stated bound, ``run`` puts them together.
"""
