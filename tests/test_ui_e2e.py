"""Browser check: the Dagster UI renders the asset graph and the asset checks, in headless Chromium.

Starts ``dagster-webserver`` on 127.0.0.1 with a temp FRAGILITY_HOME and DAGSTER_HOME, drives Debian's
``chromium`` through the Chrome DevTools protocol (``websockets``, which dagster-webserver already brings in
via uvicorn), and keeps one screenshot in tests/artifacts/ (git-ignored). Skips when chromium is missing:
``apt-get install -y chromium``.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "tests" / "artifacts"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1600,1000",
                  "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0"]
LOCATION = "orchestration.definitions"


def chromium_path() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        if found := shutil.which(name):
            return found
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


@pytest.fixture
def webserver(tmp_path, dbt_manifest):
    from orchestration.dagster_storage import write_instance_config

    home = tmp_path / "home"
    write_instance_config(home / "dagster")  # as `fragility dev` writes it
    env = {**os.environ, "FRAGILITY_HOME": str(home), "DAGSTER_HOME": str(home / "dagster"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    port = free_port()
    exe = Path(sys.executable).parent / "dagster-webserver"
    log = open(tmp_path / "webserver.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen([str(exe), "-m", LOCATION, "-h", "127.0.0.1", "-p", str(port)], cwd=REPO, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while True:  # up, and the code location loaded with its assets
            if proc.poll() is not None:
                pytest.fail(f"dagster-webserver exited: {(tmp_path / 'webserver.log').read_text()[-2000:]}")
            try:
                nodes = graphql(port, "{ assetNodes { assetKey { path } } }")["data"]["assetNodes"]
                if nodes:
                    break
            except Exception:  # not up yet
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"dagster-webserver not ready: {(tmp_path / 'webserver.log').read_text()[-2000:]}")
            time.sleep(1)
        # Mark the first-visit "Join the Dagster community" dialog as seen: it would cover the screenshot and
        # load an iframe from dagster.io.
        assert graphql(port, "mutation { setNuxSeen }")["data"]["setNuxSeen"] is True
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


class Browser:
    """Just enough of the Chrome DevTools protocol: navigate, evaluate, screenshot."""

    def __init__(self, exe: str, user_data_dir: Path) -> None:
        from websockets.sync.client import connect

        self.proc = subprocess.Popen([exe, *CHROMIUM_FLAGS, f"--user-data-dir={user_data_dir}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        ws_url = None
        for line in self.proc.stderr:
            if m := re.search(r"DevTools listening on (ws://\S+)", line):
                ws_url = m.group(1)
                break
        if ws_url is None:
            self.proc.kill()
            raise RuntimeError("chromium did not start its DevTools endpoint")
        port = int(re.search(r":(\d+)/", ws_url).group(1))
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as resp:
            page = next(t for t in json.load(resp) if t["type"] == "page")
        self.ws = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=20)
        self.next_id = 0

    def call(self, method: str, **params) -> dict:
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv(timeout=60))
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg["result"]

    def eval(self, expression: str):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def goto_and_wait_for(self, url: str, *texts: str, timeout: float = 90) -> str:
        self.call("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        html = ""
        while time.monotonic() < deadline:
            html = self.eval("document.documentElement.outerHTML") or ""
            if all(t in html for t in texts):
                return html
            time.sleep(0.5)
        missing = [t for t in texts if t not in html]
        self.screenshot(ARTIFACTS / "failed_page.png")  # what the page showed instead
        text = re.sub(r"\s+", " ", self.eval("document.body ? document.body.innerText : ''") or "")[:300]
        raise AssertionError(f"{url}: {missing} not rendered within {timeout:.0f}s; page says: {text!r}")

    def screenshot(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def browser(tmp_path):
    exe = chromium_path()
    if exe is None:
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium); the browser check needs it")
    b = Browser(exe, tmp_path / "chromium-profile")
    try:
        yield b
    finally:
        b.close()


def test_asset_graph_and_checks_render(browser, webserver):  # browser first: skip before starting a server
    base = f"http://127.0.0.1:{webserver}"
    # The asset graph around the composite mart (the graph only keeps on-screen nodes in the DOM, so a focused
    # lineage view is what can be asserted): its upstream model, the publish step, check and automation rows.
    graph = browser.goto_and_wait_for(f"{base}/assets/marts/fct_fragility_daily?view=lineage",
                                      "int_readings_daily", "published", "Asset checks", "Automation")
    assert "fct_fragility_daily" in graph
    assert "Join the Dagster community" not in graph
    time.sleep(2)  # let the node bodies (latest event, checks, automation) finish loading
    browser.screenshot(ARTIFACTS / "asset_graph.png")
    assert (ARTIFACTS / "asset_graph.png").read_bytes()[:4] == b"\x89PNG"

    group = browser.goto_and_wait_for(f"{base}/locations/{LOCATION}/asset-groups/marts", "fct_", "Asset checks")
    assert "marts" in group

    # The GX suite and the dbt tests, both as asset checks.
    browser.goto_and_wait_for(f"{base}/assets/marts/fct_fragility_daily?view=checks", "gx_fct_fragility_daily",
                              "column_rules_fct_fragility_daily")

    automation = browser.goto_and_wait_for(f"{base}/automation", "fred_release_calendar", "nyfed_on_publication")
    assert "fred_h41_thursday" in automation
