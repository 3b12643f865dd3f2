"""Flood warnings over HTTP for duty staff, on the stream worker's web server.

Flood warnings are public information: these pages need no token (case data,
served elsewhere, will). They answer with ``Access-Control-Allow-Origin: *``
so a browser page on another host can follow them.

- ``GET /flood/alerts`` — JSON list of the current flood messages as
  ``alerts`` envelopes (:mod:`streams.flood.envelope`), newest first: the
  latest message of every active alert, and of every alert cancelled less
  than an hour ago (:func:`streams.flood.watch.current`).
- ``GET /flood/cap`` — the same messages as an Atom 1.0 feed (RFC 4287,
  ``application/atom+xml``): one ``entry`` per message with its headline,
  CAP ``sent`` time, a link to its own CAP document, and the whole CAP 1.2
  ``alert`` inside ``<content type="application/cap+xml">``. Atom is how CAP
  feeds are commonly published (index and alerts in one fetch);
  ``?format=json`` gives a JSON list of the CAP structures instead.
- ``GET /flood/cap/{message_id}`` — one CAP 1.2 alert document
  (``application/cap+xml``; ``?format=json`` for JSON): any message of the
  latest alert of a station and hazard (so an Update's ``references`` can be
  followed), 404 for older ones (they stay on the ``alerts`` topic).
- ``GET /flood/stream`` — Server-Sent Events (``text/event-stream``): every
  flood message published to ``alerts`` from the moment of connection on, one
  event each, ``data`` its envelope as JSON (with its ``event_id``) and ``id``
  a cursor: the ``alerts`` topic's position in every partition just after
  that message (``c1:<offset>.<offset>…``). A client that reconnects sends it
  back as ``Last-Event-ID`` (browsers' EventSource does so by itself; or
  ``?last_event_id=``) and the stream resumes right after that message, so a
  dropped connection loses and repeats nothing the topic still retains; a
  malformed cursor is answered 400 with the reason. A comment line every
  HEARTBEAT_S seconds (15) keeps proxies from closing an idle stream. Each
  connection has its own plain aiokafka consumer without a group (nothing is
  committed), positioned before the response starts, and closed when the
  client goes away or the worker stops.

The pages read the state from the table ``flood_stations`` only. With several
workers each serves the stations of the partitions it owns.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from xml.etree import ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

import faust
import orjson
from aiohttp import web as aiohttp_web
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from citybrain.contracts.alert import TOPIC as ALERTS
from citybrain.settings import Settings
from citybrain.topics import spec
from streams.flood import cap, watch
from streams.flood.envelope import SOURCE, cap_xml, cap_xml_text

ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_TYPE = "application/cap+xml"
FEED_ID = "urn:citybrain:flood:cap"
HEARTBEAT_S = 15.0
POLL_MS = 500
PUBLIC = {"Access-Control-Allow-Origin": "*"}


def _entry(doc: Mapping[str, Any]) -> str:
    document = doc["details"]["cap"]
    info = document["info"][0]
    alert = ET.tostring(cap_xml(document), encoding="unicode")
    href = f"/flood/cap/{doc['event_id']}"
    return (
        "<entry>"
        f"<id>urn:citybrain:cap:{escape(doc['event_id'])}</id>"
        f"<title>{escape(info['headline'])}</title>"
        f"<updated>{document['sent']}</updated>"
        f"<published>{document['sent']}</published>"
        f'<link rel="alternate" type="{CAP_TYPE}" href={quoteattr(href)}/>'
        f"<category term={quoteattr(info['event'])}/>"
        f"<summary>{escape(info.get('description', ''))}</summary>"
        f'<content type="{CAP_TYPE}">{alert}</content>'
        "</entry>"
    )


def atom_feed(docs: Iterable[Mapping[str, Any]], *, updated_s: float) -> str:
    """An Atom 1.0 feed of envelopes' CAP alerts; ``updated_s`` (epoch s) when none is newer."""
    docs = list(docs)
    newest = max((cap.cap_time(d["sent_at"]) for d in docs), default=None)
    updated = newest or cap.cap_time(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(updated_s)))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<feed xmlns="{ATOM_NS}" xml:lang="zh-CN">'
        f"<id>{FEED_ID}</id>"
        "<title>citybrain 洪涝预警 (CAP 1.2)</title>"
        f"<updated>{updated}</updated>"
        "<author><name>citybrain.flood</name></author>"
        '<link rel="self" href="/flood/cap"/>' + "".join(_entry(d) for d in docs) + "</feed>"
    )


CURSOR_PREFIX = "c1:"


def cursor_text(positions: Sequence[int]) -> str:
    """The SSE id of a stream position: the next offset of every ``alerts`` partition."""
    return CURSOR_PREFIX + ".".join(str(p) for p in positions)


def parse_cursor(text: str, *, partitions: int) -> list[int]:
    """Positions from a ``Last-Event-ID``; ValueError with the reason when it is not one."""
    if not text.startswith(CURSOR_PREFIX):
        raise ValueError(f"Last-Event-ID must start with {CURSOR_PREFIX!r} (a flood stream cursor)")
    parts = text.removeprefix(CURSOR_PREFIX).split(".")
    if len(parts) != partitions or not all(p.isdigit() and len(p) < 19 for p in parts):
        raise ValueError(
            f"Last-Event-ID must hold {partitions} non-negative offsets separated by '.'"
        )
    return [int(p) for p in parts]


def sse_event(raw: bytes | None, *, cursor: str) -> bytes | None:
    """One SSE event for an ``alerts`` record of the flood source; None for anything else."""
    try:
        doc = orjson.loads(raw or b"")
    except orjson.JSONDecodeError:
        return None
    if not isinstance(doc, dict) or doc.get("source") != SOURCE or not doc.get("event_id"):
        return None
    return f"id: {cursor}\ndata: ".encode() + orjson.dumps(doc) + b"\n\n"


def current_docs(table: faust.Table, *, now_s: float) -> list[dict[str, Any]]:
    """Current messages of every station in the table, newest first."""
    docs = [
        doc
        for _, value in table.items()
        if value is not None
        for doc in watch.current(value, now_s=now_s)
    ]
    return sorted(docs, key=lambda d: (d["sent_at"], d["event_id"]), reverse=True)


def find_doc(table: faust.Table, message_id: str) -> dict[str, Any] | None:
    """A kept message by id (a message id starts with its station id)."""
    value = table.get(message_id.split(".", 1)[0])
    return None if value is None else watch.find(value, message_id)


def _client_gone(request: aiohttp_web.Request) -> bool:
    return request.transport is None or request.transport.is_closing()


async def _follow(
    app: faust.App,
    request: aiohttp_web.Request,
    *,
    bootstrap: str,
    heartbeat_s: float,
    resume: list[int] | None,
) -> aiohttp_web.StreamResponse | None:
    """Stream ``alerts`` to the client as SSE from ``resume`` (else its end); None if no broker."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",  # a cursor older than retention resumes at the oldest kept
    )
    try:
        await consumer.start()
    except KafkaError:
        return None
    try:
        tps = [TopicPartition(ALERTS, p) for p in range(spec(ALERTS).partitions)]
        consumer.assign(tps)
        if resume is None:
            await consumer.seek_to_end(*tps)
        else:
            for tp, offset in zip(tps, resume, strict=True):
                consumer.seek(tp, offset)
        # fix the start before the client is told the stream is open
        positions = [await consumer.position(tp) for tp in tps]
        response = aiohttp_web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream; charset=utf-8",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
                **PUBLIC,
            }
        )
        await response.prepare(request)
        await response.write(b"retry: 3000\n: flood alerts from now on\n\n")
        beat = time.monotonic()
        while not app.should_stop and not _client_gone(request):
            batches = await consumer.getmany(timeout_ms=POLL_MS)
            records = sorted(
                (r for rs in batches.values() for r in rs), key=lambda r: (r.timestamp, r.offset)
            )
            for record in records:
                positions[record.partition] = record.offset + 1
                event = sse_event(record.value, cursor=cursor_text(positions))
                if event is not None:
                    await response.write(event)
            if time.monotonic() - beat >= heartbeat_s:
                await response.write(b": heartbeat\n\n")
                beat = time.monotonic()
    except ConnectionError:
        pass  # the client went away mid-write
    finally:
        await consumer.stop()
    return response


def register(
    app: faust.App, table: faust.Table, settings: Settings, *, heartbeat_s: float = HEARTBEAT_S
) -> None:
    """Serve the flood pages from ``table`` on ``app``'s web server."""

    @app.page("/flood/alerts")
    async def alerts(web: faust.web.View, request: faust.web.Request) -> faust.web.Response:
        docs = current_docs(table, now_s=time.time())
        return web.text(
            orjson.dumps(docs).decode(), content_type="application/json", headers=dict(PUBLIC)
        )

    @app.page("/flood/cap")
    async def cap_feed(web: faust.web.View, request: faust.web.Request) -> faust.web.Response:
        docs = current_docs(table, now_s=time.time())
        if request.query.get("format") == "json":
            body = orjson.dumps([d["details"]["cap"] for d in docs]).decode()
            return web.text(body, content_type="application/json", headers=dict(PUBLIC))
        feed = atom_feed(docs, updated_s=time.time())
        return web.text(feed, content_type="application/atom+xml", headers=dict(PUBLIC))

    @app.page("/flood/cap/{message_id}")
    async def cap_alert(
        web: faust.web.View, request: faust.web.Request, message_id: str
    ) -> faust.web.Response:
        doc = find_doc(table, message_id)
        if doc is None:
            return web.error(404, f"no current flood message {message_id!r}", headers=dict(PUBLIC))
        if request.query.get("format") == "json":
            body = orjson.dumps(doc["details"]["cap"]).decode()
            return web.text(body, content_type="application/json", headers=dict(PUBLIC))
        body = cap_xml_text(doc["details"]["cap"])
        return web.text(body, content_type=CAP_TYPE, headers=dict(PUBLIC))

    open_streams = [0]  # each stream holds a Kafka consumer: at most settings.http_max_streams

    @app.page("/flood/stream")
    async def stream(web: faust.web.View, request: faust.web.Request) -> Any:
        last = request.headers.get("Last-Event-ID") or request.query.get("last_event_id")
        try:
            resume = parse_cursor(last, partitions=spec(ALERTS).partitions) if last else None
        except ValueError as exc:
            return web.error(400, str(exc), headers=dict(PUBLIC))
        if open_streams[0] >= settings.http_max_streams:
            message = f"{open_streams[0]} streams are open, the most this worker serves"
            return web.error(503, message, headers={**PUBLIC, "Retry-After": "30"})
        open_streams[0] += 1
        try:
            response = await _follow(
                app, request, bootstrap=settings.broker, heartbeat_s=heartbeat_s, resume=resume
            )
        finally:
            open_streams[0] -= 1
        if response is None:
            return web.error(503, "the broker is not reachable", headers=dict(PUBLIC))
        return response
