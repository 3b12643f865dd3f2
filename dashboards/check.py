"""Check a running Superset as an analyst meets it: every chart answers with rows, every
dashboard renders in a real browser without an error or an empty chart."""

from __future__ import annotations

from pathlib import Path

from dashboards.api import ApiError, SupersetApi
from dashboards.browser import DashboardReport, check_dashboard, driver, login
from dashboards.service import Superset


def api_session(service: Superset) -> SupersetApi:
    return SupersetApi(service.url).login(service.admin_user, service.admin_password)


def chart_data(service: Superset) -> dict[str, int | str]:
    """``<id> <chart name>`` → rows of its saved query, or the error Superset gave."""
    api = api_session(service)
    answers: dict[str, int | str] = {}
    for chart in api.listing("chart"):
        try:
            answers[f"{chart['id']} {chart['slice_name']}"] = api.chart_rows(chart["id"])
        except ApiError as exc:
            answers[f"{chart['id']} {chart['slice_name']}"] = str(exc)
    return answers


def check_all(service: Superset, screenshots: Path) -> list[DashboardReport]:
    """Open every dashboard in headless Chromium; one report each, with a screenshot."""
    dashboards = api_session(service).listing("dashboard")
    browser = driver()
    try:
        login(browser, service.url, service.admin_user, service.admin_password)
        return [
            check_dashboard(
                browser,
                service.url,
                d["url"],
                d["dashboard_title"],
                screenshots / f"{d.get('slug') or d['id']}.png",
            )
            for d in sorted(dashboards, key=lambda d: d["dashboard_title"])
        ]
    finally:
        browser.quit()
