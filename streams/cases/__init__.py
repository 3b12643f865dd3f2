"""cases: alerts and reports become cases that are dispatched, handled and closed.

The pure core: ``transitions`` (the lifecycle table), ``commands`` and
``checks`` (what a command must carry and who may issue it), ``lifecycle``
(apply a command to a case), ``classify`` (national class codes, urgency),
``routing`` (owning department), ``dedup`` (alerts join open cases),
``deadlines`` (working-hour clocks) and ``limits`` (time limits per category).
"""
