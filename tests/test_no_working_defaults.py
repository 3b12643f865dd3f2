"""No secret has a default that works: unset, each one refuses or is generated per install.

Two halves. A grep over every source, compose and container file for a secret
(signing key, password, token, API key) read from the environment with a
non-empty fallback, written as a literal default, or given a ``:-default`` in
compose. Then what each secret does when it is unset: the token secret makes
the APIs answer 503 and ``citybrain token issue`` refuse; the JT/T 808 key is
random per process; Superset's key and admin password are generated per
install (``tests/dashboards/test_service.py`` checks them in depth) and its
config refuses a short key; compose refuses to start without them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from citybrain import auth
from citybrain.settings import load
from dashboards.service import superset

ROOT = Path(__file__).parents[1]
SOURCES = (
    "citybrain",
    "connectors",
    "streams",
    "pipelines",
    "dashboards",
    "inference",
    "warehouse",
)
SECRET_NAME = r"[A-Z0-9_]*(?:SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|PRIVATE_KEY|CREDENTIAL)[A-Z0-9_]*"
# env.get("X_SECRET", "fallback") / os.getenv("X_PASSWORD", "...") / environ.setdefault(...)
ENV_FALLBACK = re.compile(
    rf"""(?:get|getenv|setdefault)\(\s*["']({SECRET_NAME})["']\s*,\s*(?=\S)(?!None\b|""|'')([^)]+)\)"""
)
# secret_key: str = "..." / password = "..." (a literal assigned to a secret-named name)
LITERAL = re.compile(
    r"""\b([a-z_]*(?:secret|password|passwd|api_key|token)[a-z_]*)\s*(?::\s*str\s*)?=\s*["'][^"'\s]{4,}["']""",
    re.IGNORECASE,
)
COMPOSE_DEFAULT = re.compile(rf"\$\{{({SECRET_NAME})(?::?-)")
COMPOSE_LITERAL = re.compile(rf"^\s*({SECRET_NAME})\s*:\s*(?!\$\{{)(\S+)", re.MULTILINE)
# names that look secret but hold none (a header name, a marker, a prefix, a test field)
NOT_SECRETS = {"PREFIX", "token_id", "MAX_TOKEN_CHARS", "token_type", "PASSWORD_FIELD"}


def python_files() -> list[Path]:
    return sorted(p for d in SOURCES for p in (ROOT / d).rglob("*.py"))


def test_no_secret_is_read_with_a_fallback_or_written_as_a_literal():
    found = []
    for path in python_files():
        text = path.read_text(encoding="utf-8")
        for match in ENV_FALLBACK.finditer(text):
            found.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
        for match in LITERAL.finditer(text):
            name = match.group(1)
            if name in NOT_SECRETS or (name.isupper() and not re.search("SECRET|PASSWORD", name)):
                continue
            found.append(f"{path.relative_to(ROOT)}: {match.group(0)}")
    assert not found, "secrets with a default:\n" + "\n".join(found)


def test_the_grep_catches_what_it_is_for():
    """The patterns above do match the mistakes they guard against (so the test can fail)."""
    assert ENV_FALLBACK.search('env.get("CITYBRAIN_API_SECRET", "dev-secret")')
    assert ENV_FALLBACK.search("os.getenv('SUPERSET_SECRET_KEY', DEFAULT_KEY)")
    assert not ENV_FALLBACK.search('env.get("CITYBRAIN_API_SECRET") or None')
    assert LITERAL.search('SECRET_KEY = "thisISaSECRET_1234"')
    assert LITERAL.search('admin_password: str = "admin"')
    assert COMPOSE_DEFAULT.search("${SUPERSET_SECRET_KEY:-changeme}")
    assert COMPOSE_LITERAL.search("      POSTGRES_PASSWORD: superset\n")


def test_compose_and_container_files_require_their_secrets():
    found = []
    for path in [ROOT / "compose.yaml", *ROOT.glob("**/Dockerfile"), *ROOT.glob("**/*.sh")]:
        if ".venv" in path.parts or "node_modules" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in COMPOSE_DEFAULT.finditer(text)]
        found += [f"{path.relative_to(ROOT)}: {m.group(0)}" for m in COMPOSE_LITERAL.finditer(text)]
    assert not found, "secrets with a default:\n" + "\n".join(found)
    compose = (ROOT / "compose.yaml").read_text(encoding="utf-8")
    for name in ("SUPERSET_SECRET_KEY", "SUPERSET_DB_PASSWORD", "SUPERSET_ADMIN_PASSWORD"):
        assert re.search(rf"\$\{{{name}:\?", compose), (
            f"compose must refuse to start without {name}"
        )


def test_unset_secrets_load_as_none():
    settings = load({"HOME": "/nonexistent"})
    assert settings.api_secret is None and settings.jt808_auth_secret is None
    assert "api_secret" not in repr(settings)  # never printed with the settings


@pytest.mark.parametrize("secret", [None, "", "short", "x" * (auth.MIN_SECRET_CHARS - 1)])
def test_an_unset_or_short_token_secret_signs_nothing(secret, monkeypatch):
    from pipelines.cli import app

    assert auth.secret_problem(secret)
    if secret:
        monkeypatch.setenv("CITYBRAIN_API_SECRET", secret)
    else:
        monkeypatch.delenv("CITYBRAIN_API_SECRET", raising=False)
    result = CliRunner().invoke(app, ["token", "issue", "--role", "admin", "--subject", "ops"])
    assert result.exit_code != 0 and "CITYBRAIN_API_SECRET" in result.output
    claims = auth.new_claims(
        subject="ops", role="admin", department_id=None, ttl_h=1, now_at=auth_now()
    )
    with pytest.raises(ValueError, match="CITYBRAIN_API_SECRET"):
        auth.sign(claims, secret=secret or "")


def auth_now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_superset_secrets_are_generated_per_install(tmp_path):
    first = superset(load({"HOME": str(tmp_path), "CITYBRAIN_HOME": str(tmp_path / "a")}), {})
    second = superset(load({"HOME": str(tmp_path), "CITYBRAIN_HOME": str(tmp_path / "b")}), {})
    assert len(first.secret_key) >= 32 and len(first.admin_password) >= 12
    assert first.secret_key != second.secret_key
    assert first.admin_password != second.admin_password
    assert first.admin_password not in {"admin", "password", "changeme", "superset"}
