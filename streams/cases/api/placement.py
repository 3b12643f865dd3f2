"""Which worker answers: the owner of a case, and the workers that hold the rest.

The case tables (``cases``, ``case_history``) have one partition per
partition of ``cases.commands``, and a case lives in
:func:`~streams.cases.wire.partition_of` its id. With several workers in the
consumer group, each holds some partitions; the group's assignment (faust's
changelog distribution) says which worker, by its advertised URL. Pure data:
:mod:`streams.cases.api.peers` reads the assignment from faust.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from streams.cases.api.model import Request, Response, StoreUnavailable
from streams.cases.wire import partition_of


@dataclass(frozen=True)
class Placement:
    """The case partitions' workers as the group assigned them, seen from ``self_url``.

    ``owners`` maps each partition to the URL of the worker holding it; a
    partition missing from it has no worker now (a rebalance is under way).
    """

    self_url: str
    partitions: int
    owners: Mapping[int, str] = field(default_factory=dict)

    def _owner(self, partition: int) -> str:
        if partition not in self.owners:
            raise StoreUnavailable(f"partition {partition} of the case tables has no worker now")
        return self.owners[partition]

    def owner_of(self, case_id: str) -> str | None:
        """URL of the worker holding ``case_id``; None when it is this worker."""
        url = self._owner(partition_of(case_id, self.partitions))
        return None if url == self.self_url else url

    def others(self) -> tuple[str, ...]:
        """URLs of the other workers that hold case partitions (every partition must have one)."""
        urls = {self._owner(p) for p in range(self.partitions)}
        return tuple(sorted(urls - {self.self_url}))


@dataclass(frozen=True)
class Cluster:
    """This worker's view of the group, and a way to ask another worker.

    ``placement()`` raises StoreUnavailable while the group rebalances;
    ``held()`` are the case partitions this worker's tables hold now;
    ``ask(url, request)`` answers ``request`` from the worker at ``url``
    (StoreUnavailable when it cannot be reached or answers nonsense).
    """

    placement: Callable[[], Placement]
    held: Callable[[], frozenset[int]]
    ask: Callable[[str, Request], Awaitable[Response]]
