"""The ``citybrain`` command line.

Each command group lives in its own module; this one only wires them.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="citybrain",
    help="citybrain: streaming data platform for city management command centres.",
    no_args_is_help=True,
    add_completion=False,
)


def _register() -> None:
    from pipelines.cli import (  # noqa: F401  (commands register on import)
        bench,
        broker,
        chaos,
        check,
        demo,
        gateway,
        inference,
        intake,
        permits,
        plan,
        reference,
        replay,
        soak,
        status,
        superset,
        token,
        warehouse,
        worker,
    )


_register()
