"""A small client of Superset's REST API (login, list, chart data) for checks and tests."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


class ApiError(RuntimeError):
    """Superset answered with an error status; the message holds its body."""

    def __init__(self, status: int, message: str):
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


@dataclass
class SupersetApi:
    """Bearer-token session against one Superset."""

    base_url: str
    token: str = ""

    def call(self, method: str, path: str, body: Any = None, timeout_s: float = 60) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        request = urllib.request.Request(
            self.base_url + path, method=method, data=data, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise ApiError(exc.code, exc.read().decode(errors="replace")[:1000]) from None

    def login(self, username: str, password: str) -> SupersetApi:
        answer = self.call(
            "POST",
            "/api/v1/security/login",
            {"username": username, "password": password, "provider": "db", "refresh": False},
        )
        self.token = answer["access_token"]
        return self

    def listing(self, kind: str) -> list[dict]:
        """Every object of ``kind`` (chart, dashboard, dataset, database)."""
        return self.call("GET", f"/api/v1/{kind}/?q=(page_size:100)")["result"]

    def chart_rows(self, chart_id: int) -> int:
        """Row count of a chart's saved query (GET /api/v1/chart/<id>/data/)."""
        answer = self.call("GET", f"/api/v1/chart/{chart_id}/data/")
        return sum(result["rowcount"] for result in answer["result"])
