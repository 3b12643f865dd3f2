"""cases: alerts and reports become cases that are dispatched, handled and closed.

The pure core: ``transitions`` (the lifecycle table), ``commands`` and
``checks`` (what a command must carry and who may issue it), ``lifecycle``
(apply a command to a case), ``classify`` (national class codes, urgency),
``routing`` (owning department), ``dedup`` (alerts join open cases),
``deadlines`` (working-hour clocks) and ``limits`` (time limits per category).

The engine around it: ``policy`` (what the engine does by itself), ``engine``
(a step with the handling clock, the fold of events), ``signals`` and
``places`` (alerts and reports placed in the dedup index), ``journal`` and
``outbox`` (one case's commands and what they send), ``clocks`` (deadline
marks), ``grids`` (routing from the reference files), ``continuity`` (no
skipped records), ``wire`` (topics), ``batches`` (each agent's work on a batch,
and the ``CaseEngine`` the HTTP API uses) and ``agents`` (the faust wiring).
"""
