import base64
import os
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from citybrain import auth
from citybrain.settings import load
from streams.cases.transitions import Role

SECRET = "test-secret-0123456789-abcdefghijklmnop"
NOW = datetime(2026, 7, 15, 2, 0, tzinfo=UTC)


def issue(role="dispatcher", department=None, *, ttl_h=8.0, now_at=NOW, secret=SECRET):
    claims = auth.new_claims(
        subject="zhang.wei", role=role, department_id=department, ttl_h=ttl_h, now_at=now_at
    )
    return claims, auth.sign(claims, secret=secret)


def verify(token, *, now_at=NOW, revoked=frozenset(), secret=SECRET):
    return auth.verify(token, secret=secret, now_at=now_at, revoked=revoked)


def test_api_roles_are_the_engines_human_roles():
    assert set(auth.API_ROLES) == {r.value for r in Role} - {"system"}


def test_a_signed_token_verifies_to_its_claims():
    claims, token = issue("department_handler", "E01")
    assert verify(token) == claims
    assert claims.department_id == "E01"
    assert claims.expires_at - claims.issued_at == timedelta(hours=8)
    assert len(claims.token_id) == 32
    assert token.startswith("cb1.") and token.count(".") == 2


def test_token_is_url_safe_and_carries_the_documented_claims():
    claims, token = issue("leader")
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    body = token.split(".")[1]
    doc = orjson.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert doc == {
        "sub": "zhang.wei",
        "role": "leader",
        "dept": None,
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(hours=8)).timestamp()),
        "jti": claims.token_id,
    }


def test_every_token_gets_its_own_id():
    assert issue()[0].token_id != issue()[0].token_id


def test_expired_token_is_refused_at_and_after_expiry():
    _, token = issue(ttl_h=1)
    assert verify(token, now_at=NOW + timedelta(minutes=59))
    for later in (timedelta(hours=1), timedelta(days=3)):
        with pytest.raises(auth.TokenError) as err:
            verify(token, now_at=NOW + later)
        assert err.value.code == "expired_token"
        assert "expired" in err.value.message


def test_token_from_the_future_is_refused_beyond_clock_skew():
    _, token = issue(now_at=NOW + timedelta(minutes=5))
    with pytest.raises(auth.TokenError, match="future"):
        verify(token)
    _, nearly_now = issue(now_at=NOW + timedelta(seconds=30))
    assert verify(nearly_now)


def test_revoked_token_is_refused():
    claims, token = issue()
    with pytest.raises(auth.TokenError) as err:
        verify(token, revoked={claims.token_id})
    assert err.value.code == "revoked_token"
    assert verify(token, revoked={"0" * 32})


def _reencode(token: str, **changes) -> str:
    prefix, body, signature = token.split(".")
    doc = orjson.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    doc.update(changes)
    forged = base64.urlsafe_b64encode(orjson.dumps(doc)).rstrip(b"=").decode()
    return f"{prefix}.{forged}.{signature}"


@pytest.mark.parametrize(
    "changes",
    [
        {"role": "admin"},
        {"dept": "E02"},
        {"exp": 2_000_000_000},
        {"sub": "someone.else"},
        {"jti": "0" * 32},
    ],
)
def test_tampered_claims_fail_the_signature(changes):
    _, token = issue("department_handler", "E01")
    with pytest.raises(auth.TokenError) as err:
        verify(_reencode(token, **changes))
    assert err.value.code == "invalid_token"
    assert "signature" in err.value.message


def test_token_signed_with_another_secret_is_refused():
    _, token = issue(secret="another-secret-0123456789-abcdefghijkl")
    with pytest.raises(auth.TokenError, match="signature"):
        verify(token)


@pytest.mark.parametrize(
    "token",
    ["", "Bearer", "cb1", "cb1..", "cb2.abc.def", "cb1.a.b.c", "cb1.abc.d=f", "x" * 5000],
)
def test_malformed_tokens_are_invalid(token):
    with pytest.raises(auth.TokenError) as err:
        verify(token)
    assert err.value.code == "invalid_token"


def test_validly_signed_but_malformed_claims_are_invalid():
    signed = "cb1." + base64.urlsafe_b64encode(b'{"sub":"x"}').rstrip(b"=").decode()
    digest = auth._signature(signed, SECRET)
    with pytest.raises(auth.TokenError, match="claims"):
        verify(f"{signed}.{digest}")


@given(st.text(max_size=300))
def test_no_string_verifies_or_raises_anything_but_token_error(text):
    with pytest.raises(auth.TokenError):
        verify(text)


@pytest.mark.parametrize(
    ("role", "department", "problem"),
    [
        ("system", None, "unknown role"),
        ("mayor", None, "unknown role"),
        ("department_handler", None, "needs a department"),
        ("department_handler", "E 01", "needs a department"),
        ("leader", "E01", "only department_handler"),
    ],
)
def test_claims_that_make_no_token(role, department, problem):
    with pytest.raises(ValueError, match=problem):
        issue(role, department)


@pytest.mark.parametrize("ttl_h", [0, -1, auth.MAX_TTL_H + 1, float("nan"), float("inf")])
def test_lifetime_must_be_positive_and_bounded(ttl_h):
    with pytest.raises(ValueError, match="lifetime"):
        issue(ttl_h=ttl_h)


@pytest.mark.parametrize("secret", [None, "", "short"])
def test_no_default_or_short_secret_signs(secret):
    assert auth.secret_problem(secret)
    claims, _ = issue()
    with pytest.raises(ValueError, match="CITYBRAIN_API_SECRET"):
        auth.sign(claims, secret=secret)
    assert auth.secret_problem(SECRET) is None


def test_settings_read_secret_and_revocations_from_the_environment(tmp_path):
    settings = load(
        {
            "HOME": str(tmp_path),
            "CITYBRAIN_API_SECRET": SECRET,
            "CITYBRAIN_API_REVOKED": " a1, ,b2 ",
            "CITYBRAIN_API_REVOKED_FILE": str(tmp_path / "revoked"),
        }
    )
    assert settings.api_secret == SECRET
    assert settings.api_revoked == {"a1", "b2"}
    assert settings.api_revoked_file == tmp_path / "revoked"
    assert SECRET not in repr(settings)
    assert load({"HOME": str(tmp_path)}).api_secret is None


def test_revocation_file_is_reread_when_it_changes(tmp_path):
    path = tmp_path / "revoked"
    path.write_text("# revoked tokens\n" + "a" * 32 + "  # lost phone\n")
    revocations = auth.RevocationList({"b" * 32}, path=path)
    assert revocations.current() == {"a" * 32, "b" * 32}
    path.write_text(path.read_text() + "c" * 32 + "\n")
    os.utime(path, ns=(1, 10**18))  # a new mtime even on coarse clocks
    assert "c" * 32 in revocations.current()


def test_missing_revocation_file_fails_closed(tmp_path):
    with pytest.raises(OSError):
        auth.RevocationList(path=tmp_path / "absent").current()


def test_cli_issues_a_token_that_verifies_and_revokes_it(tmp_path, monkeypatch):
    from pipelines.cli import app

    monkeypatch.setenv("CITYBRAIN_API_SECRET", SECRET)
    monkeypatch.setenv("CITYBRAIN_API_REVOKED_FILE", str(tmp_path / "revoked"))
    runner = CliRunner()
    args = ["token", "issue", "--role", "department_handler", "--department", "E01"]
    result = runner.invoke(app, [*args, "--subject", "li.na", "--ttl-h", "2"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[0]
    claims = auth.verify(token, secret=SECRET, now_at=datetime.now(UTC), revoked=())
    assert (claims.subject, claims.role, claims.department_id) == (
        "li.na",
        "department_handler",
        "E01",
    )

    result = runner.invoke(app, ["token", "revoke", token])
    assert result.exit_code == 0, result.output
    assert claims.token_id in auth.RevocationList(path=tmp_path / "revoked").current()


def test_cli_refuses_without_a_secret(monkeypatch):
    from pipelines.cli import app

    monkeypatch.delenv("CITYBRAIN_API_SECRET", raising=False)
    result = CliRunner().invoke(app, ["token", "issue", "--role", "leader", "--subject", "x"])
    assert result.exit_code == 2
    assert "CITYBRAIN_API_SECRET" in result.output


def test_cli_refuses_bad_claims(monkeypatch):
    from pipelines.cli import app

    monkeypatch.setenv("CITYBRAIN_API_SECRET", SECRET)
    args = ["token", "issue", "--role", "department_handler", "--subject", "x"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code != 0
    assert "department" in result.output
