"""Secrets appear nowhere: not in logs, Dagster's event log, the landing zone, the quarantine or the warehouse.

A known FRED key and SEC contact are planted in the environment. The live FRED and SEC ingest assets run
in Dagster against the local fault server (one payload each lands, then FRED fails after retries and SEC
gets an HTML page that is quarantined, so the error paths run too), with every Python log record at DEBUG
written to the console and to a file in the home. Then `fragility -v run` builds the home on the sample
data with the same environment. Every file under the home (landing, manifest, quarantine, logs, Dagster's
SQLite storage and compute logs, the DuckDB files) is read as bytes, the DuckDB files are also scanned row
by row, and so are all captured outputs: no trace of the key or the contact. Control files prove that the
search finds a planted value where there is one.

Also here: `fragility dev` binds the UI to the loopback interface.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.http_fault_server import FaultServer, html_error_page, ok, retry_after

REPO = Path(__file__).resolve().parents[1]
KEY = "sk-test-PLANTED-1234567890abcdef"
CONTACT = "Planted Name planted@example.org"
# every form the two values could take on the way out: raw, URL-encoded, form-encoded (compared lower-case)
NEEDLES = ("planted-1234567890abcdef", "planted@example.org", "planted%40example.org", "planted name",
           "planted+name", "planted%20name")
SETTINGS_ENV = ("FRAGILITY_HOME", "FRAGILITY_SOURCE", "FRAGILITY_SCALE", "FRAGILITY_BUILD_DB", "FRAGILITY_FILES_DIR",
                "DAGSTER_HOME")


def is_duckdb(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(12)[8:12] == b"DUCK"


def hits_in_text(text: str | bytes) -> set[str]:
    low = (text.decode("utf-8", errors="replace") if isinstance(text, bytes) else text).lower()
    return {n for n in NEEDLES if n in low}


def hits_in_duckdb(path: Path) -> set[str]:
    """Every row of every table, and the catalog (names, comments, view SQL), cast to text."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        names = con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()
        found: set[str] = set()
        sources = [f'"{s}"."{t}"' for s, t in names] + ["duckdb_tables()", "duckdb_columns()", "duckdb_views()"]
        for rel in sources:
            for needle in NEEDLES:
                n = con.execute(f"SELECT count(*) FROM {rel} x WHERE contains(lower(x::VARCHAR), ?)",
                                [needle]).fetchone()[0]
                if n:
                    found.add(needle)
        return found
    finally:
        con.close()


def grep_tree(root: Path) -> dict[str, set[str]]:
    """Every file under ``root`` (bytes, and rows for DuckDB files): path -> needles found."""
    out: dict[str, set[str]] = {}
    files = [p for p in root.rglob("*") if p.is_file() and not p.is_symlink()]
    assert files, f"nothing to search under {root}"
    for path in files:
        found = hits_in_text(path.read_bytes())
        if is_duckdb(path):
            found |= hits_in_duckdb(path)
        if found:
            out[str(path.relative_to(root))] = found
    return out


def test_the_search_finds_a_planted_value(tmp_path):
    """The control: a search that cannot find anything would pass every test below."""
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "run.log").write_bytes(b"x" * 5000 + f"GET /fred?api_key={KEY}".encode() + b"y" * 5000)
    (tmp_path / "manifest.jsonl").write_text('{"request": {"ua": "Planted+Name planted%40example.org"}}\n')
    lite = sqlite3.connect(tmp_path / "events.db")
    lite.execute("CREATE TABLE event_logs (event TEXT)")
    lite.execute("INSERT INTO event_logs VALUES (?)", (f'{{"metadata": {{"contact": "{CONTACT}"}}}}',))
    lite.commit()
    lite.close()
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    con.execute("CREATE TABLE t AS SELECT range AS i, md5(range::VARCHAR) AS pad FROM range(200000)")
    con.execute("INSERT INTO t VALUES (7, ?)", [CONTACT])
    con.execute("CREATE SCHEMA raw")
    con.execute(f"CREATE TABLE raw.x (v VARCHAR); COMMENT ON TABLE raw.x IS 'key {KEY}'")
    con.close()
    (tmp_path / "clean.txt").write_text("nothing to see")
    found = grep_tree(tmp_path)
    assert found["logs/run.log"] == {"planted-1234567890abcdef"}
    assert found["manifest.jsonl"] == {"planted+name", "planted%40example.org"}
    assert found["events.db"] == {"planted name", "planted@example.org"}
    assert found["w.duckdb"] >= {"planted name", "planted@example.org", "planted-1234567890abcdef"}
    assert hits_in_duckdb(tmp_path / "w.duckdb") >= {"planted name", "planted-1234567890abcdef"}  # by rows too
    assert "clean.txt" not in found


LIVE_ASSETS = """
import json, logging, sys
home, url = sys.argv[1], sys.argv[2]
root = logging.getLogger()
root.setLevel(logging.DEBUG)
for handler in (logging.StreamHandler(sys.stderr), logging.FileHandler(f"{home}/logs/python_debug.log")):
    handler.setLevel(logging.DEBUG)  # every record, httpx's and httpcore's included, to the console and a file
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root.addHandler(handler)

# The live acquire code builds its clients with the public base URLs as defaults: point them here.
from ingestion.fred.client import FredClient
from ingestion.sec.client import SecClient
FredClient.__init__.__defaults__ = (None, url + "/fred", FredClient.__init__.__defaults__[-1])
SecClient.__init__.__kwdefaults__ = {"data_url": url, "www_url": url}

import dagster as dg
from orchestration.assets.ingestion import source_assets
from orchestration.cli import _settings
from orchestration.resources import PipelineSettings, WarehouseDuckDB

settings = _settings(home, "live")
assets = [a for a in source_assets if a.node_def.name in ("fred_raw", "sec_companyfacts_raw")]
resources = {"duckdb": WarehouseDuckDB.for_settings(settings), "pipeline": PipelineSettings.for_settings(settings)}
with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
    result = dg.materialize(assets, instance=instance, resources=resources, raise_on_error=False)
    failures = {e.step_key: e.event_specific_data.error.to_string() for e in result.all_events if e.is_step_failure}
print(json.dumps({"success": result.success, "failures": failures}))
"""


def test_planted_secrets_leak_nowhere(tmp_path):
    import json

    from ingestion.catalog import fred_series
    from ingestion.fred import sample as fred_sample
    from ingestion.fred.sample import has_sample_path
    from ingestion.scenario import Scenario
    from ingestion.sec.companies import ai_bigtech
    from ingestion.sec.companyfacts import sample as cf_sample

    home = tmp_path / "home"
    (home / "logs").mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS_ENV}
    env.update(FRED_API_KEY=KEY, FRAGILITY_SEC_USER_AGENT=CONTACT)
    first, second = list(fred_series().values())[:2]
    assert has_sample_path(first) and not first.revisable
    company, other = list(ai_bigtech().values())[:2]
    scenario = Scenario()

    # 1. The live FRED and SEC ingest assets in Dagster, against the fault server, in a child process.
    with FaultServer() as server:
        # FRED: the first series answers; the second one's metadata fails for good after retries.
        server.routes["/fred/series"] = [ok(fred_sample.series_payload(first, scenario)), retry_after(0, 503)]
        server.routes["/fred/series/observations"] = [ok(fred_sample.observations_payload(first, scenario))]
        server.routes["/fred/series/vintagedates"] = [ok(json.dumps({  # one vintage: one real-time window
            "count": 1, "offset": 0, "limit": 10000, "vintage_dates": ["2025-11-21"]}).encode())]
        # SEC: the first company answers; the second sends an HTML error page with a 200 (quarantined).
        server.routes[f"/api/xbrl/companyfacts/CIK{company.cik}.json"] = [
            ok(cf_sample.companyfacts_payload(company, scenario))]
        server.routes[f"/api/xbrl/companyfacts/CIK{other.cik}.json"] = [html_error_page()]
        live = subprocess.run([sys.executable, "-c", LIVE_ASSETS, str(home), server.url], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=900)
        seen = list(server.requests)
    assert live.returncode == 0, live.stderr[-3000:]
    report = json.loads(live.stdout.strip().splitlines()[-1])
    failures = report["failures"]

    # The live paths ran, both ways: the secrets were sent, payloads landed, both steps failed cleanly.
    assert not report["success"]
    assert "HTTP 503 after 6 attempts" in failures["fred_raw"] and "api_key=***" in failures["fred_raw"]
    assert "HTML" in failures["sec_companyfacts_raw"]
    fred_requests = [r for r in seen if r.path.startswith("/fred/")]
    # the first series' metadata, vintage dates and observations; the second's metadata, six attempts
    assert len(fred_requests) == 9 and {r.query.get("api_key") for r in fred_requests} == {KEY}
    assert {r.query.get("series_id") for r in fred_requests} == {first.series_id, second.series_id}
    assert {r.headers.get("user-agent") for r in seen if r.path.startswith("/api/")} == {CONTACT}
    assert len(list((home / "landing" / "fred").rglob("*.json"))) == 2
    assert len(list((home / "landing" / "sec_companyfacts").rglob("*.json"))) == 2
    assert list((home / "landing" / "quarantine" / "sec_companyfacts").glob("*.error.json"))
    debug_log = (home / "logs" / "python_debug.log").read_text()
    assert "HTTP Request: GET" in debug_log and "api_key=***" in debug_log  # httpx logged every URL, redacted
    assert "retrying" in debug_log  # and the client logged its retries

    # 2. The sample build with the same environment (present, unused: it must not leak either).
    out = subprocess.run([sys.executable, "-m", "orchestration", "-v", "run", "--home", str(home)], cwd=REPO,
                         env=env, capture_output=True, text=True, timeout=1800)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert (home / "fragility.duckdb").exists()

    outputs = {"live stdout": live.stdout, "live stderr": live.stderr, "run stdout": out.stdout,
               "run stderr": out.stderr}
    assert live.stderr and out.stdout  # there was something to search
    leaks = {name: hits_in_text(text) for name, text in outputs.items() if hits_in_text(text)}
    leaks.update(grep_tree(home))
    assert leaks == {}, f"planted secrets found in: {leaks}"
    # dbt's target folder is in the home (HOME/build/dbt): its log and compiled SQL were among the files searched
    assert (home / "build" / "dbt" / "dbt.log").stat().st_size > 0
    # and the search did cover the home: the Dagster event log, the landing zone, the warehouse
    searched = {p.relative_to(home).parts[0] for p in home.rglob("*") if p.is_file()}
    assert {"dagster", "landing", "logs", "build", "fragility.duckdb"} <= searched
    assert list((home / "dagster").rglob("*.db")) and list((home / "dagster").rglob("compute_logs/*"))


def test_dev_binds_the_ui_to_loopback(tmp_path, monkeypatch):
    from click.testing import CliRunner

    import orchestration.assets.dbt
    import orchestration.cli as cli

    for var in SETTINGS_ENV:
        monkeypatch.setenv(var, os.environ.get(var, ""))
    calls = []
    envs = []
    monkeypatch.setattr(cli.subprocess, "call", lambda cmd, env=None: calls.append(cmd) or envs.append(env) or 0)
    monkeypatch.setattr(orchestration.assets.dbt, "ensure_manifest", lambda *a, **k: None)
    result = CliRunner().invoke(cli.main, ["dev", "--home", str(tmp_path), "--port", "3999"])
    assert result.exit_code == 0, result.output
    (cmd,) = calls
    assert cmd[cmd.index("-h") + 1] == "127.0.0.1" and cmd.count("-h") == 1
    assert "--host" not in cmd and "0.0.0.0" not in cmd and cmd[cmd.index("-p") + 1] == "3999"
    assert "http://127.0.0.1:3999" in result.output
    # the settings reach the UI's process through its own environment; this process's is left alone
    assert envs[0]["FRAGILITY_HOME"] == str(tmp_path) and envs[0]["DAGSTER_HOME"] == str(tmp_path / "dagster")
    assert os.environ.get("FRAGILITY_HOME", "") != str(tmp_path)
