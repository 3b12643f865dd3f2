"""``citybrain chaos``: replay the demo day while crashing the workers; compare with a clean run.

- :mod:`pipelines.chaos.plan`: the faults of a run, a pure function of the seed.
- :mod:`pipelines.chaos.runner`: one run on a fresh broker and home, faults applied.
- :mod:`pipelines.chaos.outputs`: what a run produced (landing, marts, hotspots, cases, alerts).
- :mod:`pipelines.chaos.compare`: outputs of a run against the clean run's, exactly.
"""
