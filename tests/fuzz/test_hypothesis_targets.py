"""Property-based hostile input (hypothesis) for every fuzz target and every API request body.

Every target sees random bytes and mutations of its real seeds and must accept
or refuse with its rejection error and a reason. The HTTP request bodies (case
commands, manual case reports, Open311 POST, the 12345 webhook) also get JSON
documents built from the fields they expect, with hostile values in them, so
the validators past the JSON decoder are reached. ``--fuzz-long`` runs 20x the
examples.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from targets import TARGETS, check

from streams.cases import api

EXAMPLES = 200
SQL = ["' OR '1'='1", "1; DROP TABLE cases;--", '" UNION SELECT * FROM cases --', "%27%20OR%201=1"]
PATHS = ["../../etc/passwd", "..%2f..%2fetc%2fpasswd", "/etc/shadow", "C:\\Windows\\win.ini"]
HOSTILE_TEXT = st.sampled_from(
    [*SQL, *PATHS, "", " ", "\x00", "\n", "x" * 5000, "🚧" * 500, "<script>", "${jndi:x}"]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | HOSTILE_TEXT
)
JSON = st.recursive(
    SCALARS,
    lambda kids: (
        st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4)
    ),
    max_leaves=12,
)


def examples(config: pytest.Config) -> int:
    return EXAMPLES * (20 if config.getoption("--fuzz-long") else 1)


def mutated(seed: bytes) -> st.SearchStrategy[bytes]:
    """A seed with a few bytes replaced, inserted or deleted, or cut short."""
    edits = st.lists(
        st.tuples(st.integers(0, max(len(seed), 1)), st.integers(0, 255), st.integers(0, 2)),
        min_size=1,
        max_size=6,
    )

    def apply(changes: list[tuple[int, int, int]]) -> bytes:
        data = bytearray(seed)
        for pos, byte, kind in changes:
            pos = min(pos, len(data))
            if kind == 0 and pos < len(data):
                data[pos] = byte
            elif kind == 1:
                data.insert(pos, byte)
            elif pos < len(data):
                del data[pos]
        return bytes(data)

    return edits.map(apply) | st.integers(0, len(seed)).map(lambda n: seed[:n])


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_target_refuses_hostile_bytes_cleanly(name, request):
    target = TARGETS[name]
    strategy = st.binary(max_size=512) | st.one_of(*(mutated(s) for s in target.seeds))

    @settings(max_examples=examples(request.config), deadline=None, database=None)
    @given(data=strategy)
    def run(data: bytes) -> None:
        check(target, data)

    run()


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_seed_is_a_real_accepted_input(name):
    """The seeds are valid payloads (so fuzzing starts from inputs that reach deep code)."""
    target = TARGETS[name]
    for seed in target.seeds:
        target.run(seed)


def field_docs(fields: dict[str, st.SearchStrategy]) -> st.SearchStrategy[bytes]:
    """JSON objects with some of ``fields`` (good or hostile values) and maybe strangers."""
    return st.fixed_dictionaries(
        {}, optional={**fields, "command_id": st.text(max_size=140) | HOSTILE_TEXT, "x": JSON}
    ).map(orjson.dumps)


def _command_fields() -> dict[str, st.SearchStrategy]:
    names = {
        n
        for e in api.ENDPOINTS
        if e.command is not None
        for n in sum(api.body_fields(e.command), ())
    }
    return {
        n: JSON | HOSTILE_TEXT | st.just(api.field_schema(n).get("enum", ["x"])[0]) for n in names
    }


@pytest.mark.parametrize("pick", range(0, 256, 9))
def test_case_api_command_bodies_never_5xx(pick, request):
    target = TARGETS["case_command_body"]

    @settings(
        max_examples=examples(request.config) // 10,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(body=field_docs(_command_fields()))
    def run(body: bytes) -> None:
        check(target, bytes([pick]) + body)

    run()


@settings(max_examples=EXAMPLES, deadline=None, database=None)
@given(
    body=field_docs(
        {
            "service_code": st.sampled_from(["unlicensed_peddler", "x"]) | HOSTILE_TEXT | JSON,
            "lat": st.floats() | st.text(max_size=12) | JSON,
            "long": st.floats() | st.text(max_size=12) | JSON,
            "requested_datetime": st.datetimes().map(str) | HOSTILE_TEXT | JSON,
            "description": HOSTILE_TEXT | JSON,
            "address_string": HOSTILE_TEXT,
        }
    )
)
def test_open311_post_bodies_are_accepted_or_refused_400(body):
    check(TARGETS["open311_request"], body)


@settings(max_examples=EXAMPLES, deadline=None, database=None)
@given(
    body=field_docs(
        {
            "工单编号": st.text(max_size=70) | HOSTILE_TEXT | JSON,
            "受理时间": st.datetimes().map(str) | HOSTILE_TEXT | JSON,
            "问题分类": HOSTILE_TEXT | st.just("市容-占道经营") | JSON,
            "经度": st.floats() | st.text(max_size=12) | JSON,
            "纬度": st.floats() | st.text(max_size=12) | JSON,
            "诉求内容": HOSTILE_TEXT | JSON,
        }
    )
)
def test_hotline_webhook_bodies_are_accepted_or_refused(body):
    check(TARGETS["hotline_webhook"], body)


REGRESSIONS = Path(__file__).parent / "regressions"


@pytest.mark.parametrize(
    "path", sorted(REGRESSIONS.glob("*/*")), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_inputs_the_fuzzers_found_are_refused_cleanly(path):
    """Every crash atheris found (``regressions/<target>/``) is now accepted or cleanly refused."""
    check(TARGETS[path.parent.name], path.read_bytes())
