"""Answers that need other workers: one case from its owner, lists from every worker.

A request about one case (``Endpoint.key``) goes on to the worker that holds
the case, with the caller's token, which that worker checks again; its answer
is returned as it is. A gathering request (``Endpoint.merge``) is answered
from this worker's part and a part from each other worker holding case
partitions, asked with :data:`~streams.cases.api.model.LOCAL_HEADER`; the
parts must cover every partition exactly once (otherwise the group moved
partitions in between: 503, retry). A request that came from another worker
is never sent on again: no loops.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from streams.cases.api.model import Call, Endpoint, Part, Request, Response, StoreUnavailable
from streams.cases.api.placement import Cluster


async def to_owner(cluster: Cluster, case_id: str, request: Request) -> Response | None:
    """The owner's answer to ``request``, or None when this worker holds ``case_id``."""
    owner = cluster.placement().owner_of(case_id)
    if owner is None:
        return None
    if request.local:
        raise StoreUnavailable(f"case {case_id!r} is held by {owner} now, not here; retry")
    return await cluster.ask(owner, replace(request, local=True))


def _part_of(url: str, answer: Response) -> tuple[list[int], Any]:
    body = answer.body
    if not isinstance(body, Mapping) or not {"partitions", "part"} <= body.keys():
        raise StoreUnavailable(f"{url} answered a part without its partitions")
    partitions = body["partitions"]
    if not isinstance(partitions, list) or not all(isinstance(p, int) for p in partitions):
        raise StoreUnavailable(f"{url} answered partitions {partitions!r}")
    return partitions, body["part"]


def _peer_refusal(url: str, answer: Response) -> Response:
    """Another worker's refusal, saying which worker refused."""
    body = answer.body if isinstance(answer.body, Mapping) else {}
    message = f"worker {url} answered {answer.status}: {body.get('message', '')}".rstrip(": ")
    status = answer.status if 400 <= answer.status < 500 or answer.status == 503 else 503
    headers = {"Retry-After": "5"} if status == 503 else {}
    return Response(
        status,
        {"error": str(body.get("error", "unavailable")), "message": message},
        {**headers, **answer.headers},
    )


async def gather(
    cluster: Cluster | None, endpoint: Endpoint, call: Call, request: Request, own: Part
) -> Response:
    """The merged answer of every worker's part (this worker's is ``own``)."""
    assert endpoint.merge is not None
    if cluster is None:
        return endpoint.merge(call, [own.body])
    held = sorted(cluster.held())
    if request.local:
        return Response(200, {"partitions": held, "part": own.body})
    placement = cluster.placement()
    urls = placement.others()
    asked = replace(request, local=True)
    answers = await asyncio.gather(*(cluster.ask(url, asked) for url in urls))
    parts: list[Any] = [own.body]
    covered = list(held)
    for url, answer in zip(urls, answers, strict=True):
        if answer.status != 200:
            return _peer_refusal(url, answer)
        partitions, part = _part_of(url, answer)
        covered += partitions
        parts.append(part)
    if sorted(covered) != list(range(placement.partitions)):
        raise StoreUnavailable(f"the workers' parts cover partitions {sorted(covered)}; retry")
    try:
        return endpoint.merge(call, parts)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise StoreUnavailable(f"a worker answered a part that cannot be merged: {exc!r}") from exc
