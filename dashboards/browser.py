"""Open every dashboard in headless Chromium as a person would, and report each chart.

Logs in through Superset's login form, opens each dashboard, scrolls every
chart into view, waits until none is loading, then reads each chart holder:
an error alert, an empty-result message or a chart that drew nothing counts
as a failure. A screenshot of each dashboard is saved. Uses Debian's
``chromium`` and ``chromium-driver`` (installed by ``make setup``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHART_HOLDER = ".dashboard-component-chart-holder"
LOADING = ".loading, [aria-label='Loading'], .ant-skeleton"
ERROR_MARKERS = (
    "[data-test='error-alert']",
    ".ant-alert-error",
    "[role='alert'].ant-alert-error",
)
EMPTY_TEXTS = ("No results were returned", "No data", "暂无数据", "No Results")
DRAWN = "canvas, svg, table, .header-line, .big-number, [data-test='big-number']"


@dataclass
class ChartReport:
    """What one chart on a dashboard showed."""

    title: str
    ok: bool
    problem: str = ""


@dataclass
class DashboardReport:
    """What one dashboard showed, and where its screenshot is."""

    title: str
    url: str
    screenshot: Path
    charts: list[ChartReport] = field(default_factory=list)

    @property
    def failures(self) -> list[ChartReport]:
        return [c for c in self.charts if not c.ok]


def driver(window: tuple[int, int] = (1600, 1200)):
    """A headless Chromium WebDriver with the flags this closed network needs."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--window-size={window[0]},{window[1]}",
        "--lang=zh-CN",
    ):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


def login(browser, base_url: str, username: str, password: str, timeout_s: float = 60) -> None:
    """Log in through the form; raise if Superset does not let us in."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(f"{base_url}/login/")
    wait = WebDriverWait(browser, timeout_s)
    wait.until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "input[name='username'], #username"))
    )
    browser.find_element(By.CSS_SELECTOR, "input[name='username'], #username").send_keys(username)
    browser.find_element(By.CSS_SELECTOR, "input[name='password'], #password").send_keys(password)
    browser.find_element(By.CSS_SELECTOR, "input[name='password'], #password").submit()
    wait.until(lambda b: "/login" not in b.current_url)


def _chart_report(holder) -> ChartReport:
    from selenium.webdriver.common.by import By

    title_nodes = holder.find_elements(
        By.CSS_SELECTOR, "[data-test='editable-title'], .header-title"
    )
    title = title_nodes[0].text.strip() if title_nodes else "(untitled)"
    for marker in ERROR_MARKERS:
        errors = holder.find_elements(By.CSS_SELECTOR, marker)
        if errors:
            return ChartReport(title, False, f"error: {errors[0].text.strip()[:300]}")
    text = holder.text
    for empty in EMPTY_TEXTS:
        if empty in text:
            return ChartReport(title, False, f"no data: {empty!r}")
    if not holder.find_elements(By.CSS_SELECTOR, DRAWN):
        return ChartReport(title, False, "nothing drawn")
    return ChartReport(title, True)


def check_dashboard(
    browser, base_url: str, path: str, title: str, screenshot: Path, timeout_s: float = 90
) -> DashboardReport:
    """Open one dashboard, wait for its charts, read each, save a screenshot."""
    from selenium.webdriver.common.by import By

    browser.get(f"{base_url}{path}")
    deadline = time.monotonic() + timeout_s
    holders = []
    while time.monotonic() < deadline and not holders:
        holders = browser.find_elements(By.CSS_SELECTOR, CHART_HOLDER)
        time.sleep(0.5)
    for holder in holders:  # charts below the fold load when scrolled into view
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", holder)
        time.sleep(0.2)
    while time.monotonic() < deadline:
        if not any(h.find_elements(By.CSS_SELECTOR, LOADING) for h in holders):
            break
        time.sleep(0.5)
    time.sleep(1.5)  # let canvases paint after the last answer
    browser.execute_script("window.scrollTo(0, 0);")
    height = browser.execute_script("return document.body.scrollHeight")
    browser.set_window_size(1600, max(1200, min(int(height) + 100, 6000)))
    time.sleep(0.5)
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(screenshot))
    report = DashboardReport(title, path, screenshot)
    report.charts = [_chart_report(h) for h in browser.find_elements(By.CSS_SELECTOR, CHART_HOLDER)]
    if not report.charts:
        report.charts.append(ChartReport(title, False, "no chart on the dashboard"))
    return report
