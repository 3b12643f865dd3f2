"""Superset's configuration: generated secrets, no working default, settings from the env."""

import os
import runpy
import stat

import pytest

from citybrain.settings import load
from dashboards.service import CONFIG_PATH, superset


def settings_of(tmp_path):
    return load({"HOME": str(tmp_path), "CITYBRAIN_HOME": str(tmp_path / "citybrain")})


def test_secrets_are_generated_once_private_and_kept(tmp_path):
    first = superset(settings_of(tmp_path), {})
    second = superset(settings_of(tmp_path), {})
    assert len(first.secret_key) >= 32 and first.secret_key == second.secret_key
    assert first.admin_password == second.admin_password
    for name in ("secret_key", "admin_password"):
        mode = stat.S_IMODE(os.stat(first.home / name).st_mode)
        assert mode == 0o600, name
    other = superset(settings_of(tmp_path / "other"), {})
    assert other.secret_key != first.secret_key


def test_configuration_from_the_environment_wins(tmp_path):
    service = superset(
        settings_of(tmp_path),
        {
            "CITYBRAIN_SUPERSET_SECRET_KEY": "k" * 40,
            "CITYBRAIN_SUPERSET_ADMIN_PASSWORD": "from-env",
            "CITYBRAIN_SUPERSET_ADMIN_USER": "duty",
            "CITYBRAIN_SUPERSET_PORT": "18123",
            "CITYBRAIN_SUPERSET_DATABASE_URI": "postgresql://superset@db/superset",
        },
    )
    assert (service.secret_key, service.admin_password, service.admin_user) == (
        "k" * 40,
        "from-env",
        "duty",
    )
    assert service.url == "http://127.0.0.1:18123"
    assert service.env()["CITYBRAIN_SUPERSET_DATABASE_URI"] == "postgresql://superset@db/superset"
    assert not (tmp_path / "citybrain" / "superset" / "secret_key").exists()
    assert "CITYBRAIN_SUPERSET_ADMIN_PASSWORD" not in service.env()  # only the admin script sees it


@pytest.mark.parametrize("key", ["", "short"])
def test_superset_refuses_to_start_without_a_real_secret_key(monkeypatch, key):
    monkeypatch.setenv("SUPERSET_SECRET_KEY", key)
    monkeypatch.setenv("CITYBRAIN_SUPERSET_DATABASE_URI", "sqlite://")
    with pytest.raises(RuntimeError, match="SUPERSET_SECRET_KEY"):
        runpy.run_path(str(CONFIG_PATH))


def test_the_configuration_caches_no_query_results(monkeypatch):
    monkeypatch.setenv("SUPERSET_SECRET_KEY", "x" * 48)
    monkeypatch.setenv("CITYBRAIN_SUPERSET_DATABASE_URI", "sqlite://")
    config = runpy.run_path(str(CONFIG_PATH))
    assert config["DATA_CACHE_CONFIG"] == {"CACHE_TYPE": "NullCache"}
    assert config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_start_refuses_a_port_another_server_answers_on(tmp_path):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from dashboards.service import SupersetError

    class Healthy(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"OK")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        service = superset(
            settings_of(tmp_path), {"CITYBRAIN_SUPERSET_PORT": str(server.server_port)}
        )
        with pytest.raises(SupersetError, match="already answers"):
            service.start()
    finally:
        server.shutdown()
