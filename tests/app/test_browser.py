"""End to end: the editor page in headless Chromium, driven by Playwright.

Skips, with the reason, where Playwright or Chromium is missing, unless
``SKARVAE_REQUIRE_BROWSER=1`` (set by ``.ci/run``), which turns the skip
into a failure. ``SKARVAE_SCREENSHOT_DIR=DIR`` also saves the screenshots
there (the docs' pictures come from ``benchmarks/app_screenshots.py``).
"""

import os
import shutil
import socket
import struct
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytest.importorskip("gradio")

from skarvae.app import attribute_editor, editor_theme

# Gradio's own queue code uses pandas options that pandas 3 deprecates
pytestmark = [
    pytest.mark.filterwarnings("ignore:'future.no_silent_downcasting' is deprecated"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
ARGS = [
    "--no-sandbox",  # CI runs as root
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--metrics-recording-only",
]


def chromium_or_skip():
    """Path of a Chromium executable, or skip (fail where it is required)."""
    reasons = []
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reasons.append(
            "Playwright for Python is not installed (pip install playwright)"
        )
    path = os.environ.get("SKARVAE_CHROMIUM") or next(
        filter(None, map(shutil.which, ("chromium", "chromium-browser"))), None
    )
    if path is None:
        reasons.append("no Chromium executable (apt-get install chromium)")
    if reasons:
        message = "; ".join(reasons)
        if os.environ.get("SKARVAE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"SKARVAE_REQUIRE_BROWSER=1, but {message}")
        pytest.skip(message)
    return path


def is_local(url):
    """Whether a URL stays on this machine (data:, or blob:/http: on loopback)."""
    parts = urlsplit(url)
    if parts.scheme == "data":
        return True
    if parts.scheme == "blob":
        parts = urlsplit(url[len("blob:") :])
    return parts.hostname in LOOPBACK


class _ServerTraffic:
    """Records connections and name lookups of this process off loopback."""

    active = False
    outside = []

    @classmethod
    def hook(cls, event, args):
        if not cls.active:
            return
        if event == "socket.connect":
            address = args[1]
            host = address[0] if isinstance(address, tuple) else None
            if host is not None and host not in LOOPBACK:
                cls.outside.append((event, address))
        elif event == "socket.getaddrinfo" and args[0] not in (None, *LOOPBACK):
            cls.outside.append((event, args[0]))


sys.addaudithook(_ServerTraffic.hook)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(request):
    """Launch an app on a free loopback port; yields its URL; closes it."""
    apps = []

    def serve(app):
        _ServerTraffic.outside.clear()
        _ServerTraffic.active = True
        port = free_port()
        app.launch(
            server_name="127.0.0.1",
            server_port=port,
            prevent_thread_lock=True,
            theme=editor_theme(),
            quiet=True,
        )
        apps.append(app)
        return f"http://127.0.0.1:{port}/"

    yield serve
    _ServerTraffic.active = False
    for app in apps:
        app.close()


@pytest.fixture
def browser_page():
    path = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        log = {"errors": [], "requests": [], "failed": []}
        page.on(
            "console",
            lambda m: log["errors"].append(m.text) if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: log["errors"].append(str(e)))
        page.on("request", lambda r: log["requests"].append(r.url))
        page.on("requestfailed", lambda r: log["failed"].append((r.url, r.failure)))
        yield page, log
        browser.close()


def screenshot(page, tmp_path, name):
    path = tmp_path / name
    page.screenshot(path=path, full_page=True)
    folder = os.environ.get("SKARVAE_SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(folder) / name)
    assert path.stat().st_size > 10_000
    return path


def move_slider(page, k, value, watched, attribute="src"):
    """Set slider ``k`` as a user would; wait until ``watched`` changes."""
    target = page.locator(watched)
    before = target.get_attribute(attribute)
    started = time.perf_counter()
    page.locator(f"#slider-{k} input[type=range]").fill(str(value))
    page.wait_for_function(
        "([selector, name, old]) => {"
        " const e = document.querySelector(selector);"
        " return e && e.getAttribute(name) && e.getAttribute(name) !== old; }",
        arg=[watched, attribute, before],
        timeout=30_000,
    )
    return before, target.get_attribute(attribute), time.perf_counter() - started


def check_offline(log):
    outside = [u for u in log["requests"] if not is_local(u)]
    assert outside == [], f"the page sent requests off this machine: {outside}"
    # aborted loads are the page's own cancellations (Gradio closes its event
    # stream when an event completes, the audio player drops a replaced clip)
    failed = [(url, why) for url, why in log["failed"] if "ERR_ABORTED" not in why]
    assert failed == [], f"failed requests: {failed}"
    assert log["errors"] == [], f"browser console errors: {log['errors']}"
    assert _ServerTraffic.outside == [], (
        f"the server reached off this machine: {_ServerTraffic.outside}"
    )


def test_image_editor_in_a_browser(
    image_model, bars_measure, served, browser_page, tmp_path
):
    page, log = browser_page
    model, X = image_model
    url = served(attribute_editor(model, X, measure=bars_measure))
    page.goto(url)
    page.wait_for_selector("#out-edited img[src]", timeout=60_000)
    ranges = page.locator("#slider-0 input[type=range]")
    assert float(ranges.get_attribute("max")) <= 4.0
    table_before = page.locator("#out-table").inner_text()
    assert "thickness" in table_before
    maximum = ranges.get_attribute("max")
    before, after, seconds = move_slider(page, 0, maximum, "#out-edited img")
    print(f"slider to output in the browser: {1000 * seconds:.0f} ms")
    old = page.request.get(before).body()
    new = page.request.get(after).body()
    assert old[:8] == new[:8] == b"\x89PNG\r\n\x1a\n"
    assert old != new
    page.wait_for_function(
        "old => document.querySelector('#out-table').innerText !== old",
        arg=table_before,
    )
    assert maximum in page.locator("#out-table").inner_text()
    screenshot(page, tmp_path, "editor_image.png")
    # a new start: a prior draw, then sample 7 by index
    start = page.locator("#out-start img").get_attribute("src")
    page.get_by_role("button", name="Prior draw").click()
    page.wait_for_function(
        "() => document.querySelector('#status').innerText.includes('prior')"
    )
    assert page.locator("#out-start img").get_attribute("src") != start
    page.locator("#index input").fill("7")
    page.get_by_role("button", name="Load", exact=True).click()
    page.wait_for_function(
        "() => document.querySelector('#status').innerText.includes('sample 7')"
    )
    check_offline(log)


def test_music_editor_in_a_browser(token_model, served, browser_page, tmp_path):
    page, log = browser_page
    model, X, vocabulary = token_model
    url = served(attribute_editor(model, X, vocabulary=vocabulary))
    page.goto(url)
    link = "#out-edited_audio a[download]"
    page.wait_for_selector(link, timeout=60_000)
    maximum = page.locator("#slider-0 input[type=range]").get_attribute("max")
    before, after, seconds = move_slider(page, 0, maximum, link, "href")
    print(f"slider to audio in the browser: {1000 * seconds:.0f} ms")
    old = page.request.get(before).body()
    new = page.request.get(after).body()
    for wav in (old, new):
        assert wav[:4] == b"RIFF"
        assert wav[8:12] == b"WAVE"
        channels, rate = struct.unpack("<HI", wav[22:28])
        assert (channels, rate) == (1, 22050)
    assert old != new
    screenshot(page, tmp_path, "editor_music.png")
    check_offline(log)


def test_traffic_recorder_sees_lookups_off_this_machine():
    _ServerTraffic.outside.clear()
    _ServerTraffic.active = True
    try:
        with pytest.raises(socket.gaierror):
            socket.getaddrinfo("skarvae-test.invalid", 80)
        socket.getaddrinfo("127.0.0.1", 80)
    finally:
        _ServerTraffic.active = False
    assert _ServerTraffic.outside == [("socket.getaddrinfo", "skarvae-test.invalid")]
