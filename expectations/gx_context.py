"""An ephemeral GX context with one checkpoint per suite, over pandas frames.

Both checks (the landing's hour partitions, the published marts) validate a
pandas frame per batch: one dataframe asset, validation definition and
checkpoint per suite, named as the suite's topic or mart.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any


def checkpoints(
    source_name: str,
    names: Iterable[str],
    suite_of: Callable[[str], Any],
    *,
    result_format: dict[str, Any],
) -> Any:
    """A new ephemeral context holding a checkpoint named ``name`` for each of ``names``."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = ctx.data_sources.add_pandas(source_name)
    for name in names:
        whole = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("batch")
        definition = ctx.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=whole, suite=ctx.suites.add(suite_of(name)))
        )
        ctx.checkpoints.add(
            gx.Checkpoint(
                name=name, validation_definitions=[definition], result_format=result_format
            )
        )
    return ctx
