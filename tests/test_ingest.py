"""Landing, idempotent loads and quarantine: bad input leaves the warehouse exactly as it was."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import duckdb
import pytest

from ingestion import fred
from ingestion.errors import SourceError
from ingestion.ingest import ingest
from ingestion.landing import Landing


def table_digest(con) -> str:
    """A content hash of every raw table (order-independent)."""
    h = hashlib.sha256()
    for (name,) in con.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema = 'raw' "
        "ORDER BY 1"
    ).fetchall():
        rows = con.execute(f"SELECT * FROM {name}").fetchall()
        h.update(name.encode())
        for row in sorted(map(repr, rows)):
            h.update(row.encode())
    return h.hexdigest()


@pytest.fixture
def loaded(tmp_path):
    landing = Landing(tmp_path)
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    report = ingest(con, landing, fred.FRED, fred.acquire_sample(landing))
    yield con, landing, report
    con.close()


def test_sample_ingest_counts_and_idempotence(loaded):
    con, landing, report = loaded
    assert report.skipped == 0
    assert report.rows_inserted["raw.fred__observations"] == report.rows_in["raw.fred__observations"] > 50_000
    before = table_digest(con)
    again = ingest(con, landing, fred.FRED, fred.acquire_sample(landing))
    assert again.skipped == again.payloads == report.payloads
    assert table_digest(con) == before
    # Re-parsing from the landing zone (no generator, no network) also changes nothing.
    replay = ingest(con, landing, fred.FRED, iter(landing.payloads("fred")))
    assert replay.rows_inserted == {} and table_digest(con) == before


def test_landing_manifest_has_no_secret_and_one_line_per_payload(loaded):
    _con, landing, report = loaded
    lines = landing.manifest.read_text().splitlines()
    assert len(lines) == report.payloads
    assert all("api_key" not in line for line in lines)
    with pytest.raises(ValueError, match="secret"):
        landing.store("fred", {"api_key": "k"}, b"{}", fetched_at=dt.datetime.now(dt.UTC), as_of=dt.date.today())


def test_bad_payload_is_quarantined_and_nothing_is_written(loaded):
    con, landing, _ = loaded
    before = table_digest(con)
    good = landing.store("fred", {"endpoint": "fred/series/observations", "series_id": "EFFR", "n": 1},
                         json.dumps({"units": "lin", "observations": [{"realtime_start": "2025-11-21",
                                    "realtime_end": "9999-12-31", "date": "2025-11-21", "value": "3.88"}]}).encode(),
                         fetched_at=dt.datetime(2025, 11, 21, tzinfo=dt.UTC), as_of=dt.date(2025, 11, 21))
    bad = landing.store("fred", {"endpoint": "fred/series/observations", "series_id": "EFFR", "n": 2},
                        b'{"units": "lin", "observations": [{"realtime_start": "2025-11-21", "realt',
                        fetched_at=dt.datetime(2025, 11, 21, tzinfo=dt.UTC), as_of=dt.date(2025, 11, 21))
    with pytest.raises(SourceError) as info:
        ingest(con, landing, fred.FRED, iter([good, bad]))
    assert str(info.value).startswith("fred: series EFFR: field body: malformed or truncated")
    assert table_digest(con) == before  # the good payload before it was rolled back too
    quarantined = landing.root / "quarantine" / "fred" / f"{bad.content_hash}.json"
    assert quarantined.exists()
    note = json.loads(quarantined.with_suffix(".error.json").read_text())
    assert note["error"] == str(info.value)


def test_conflicting_value_for_same_vintage_is_refused(loaded):
    con, landing, _ = loaded
    before = table_digest(con)
    row = con.execute("SELECT obs_date::VARCHAR, realtime_start::VARCHAR, value FROM raw.fred__observations "
                      "WHERE series_id = 'EFFR' ORDER BY obs_date DESC LIMIT 1").fetchone()
    forged = landing.store("fred", {"endpoint": "fred/series/observations", "series_id": "EFFR", "n": 3},
                           json.dumps({"units": "lin", "observations": [{"realtime_start": row[1],
                                       "realtime_end": "9999-12-31", "date": row[0], "value": str(row[2] + 1)}]}
                                      ).encode(),
                           fetched_at=dt.datetime(2025, 11, 21, tzinfo=dt.UTC), as_of=dt.date(2025, 11, 21))
    with pytest.raises(SourceError, match="series EFFR: field value: vintage .* already loaded with a different"):
        ingest(con, landing, fred.FRED, iter([forged]))
    assert table_digest(con) == before


def test_a_column_added_to_a_raw_table_reaches_a_warehouse_built_before_it(tmp_path):
    """A warehouse built before a raw column existed (holdings' fund_shares_outstanding, FRED's notes) gets the
    column, NULL for its old rows, instead of failing the next load."""
    from ingestion.holdings import INDEX_WEIGHTS
    from ingestion.loader import ddl_columns, ensure_raw_schema

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    old = [(c, t) for c, t in ddl_columns(INDEX_WEIGHTS.ddl) if c != "fund_shares_outstanding"]
    con.execute("CREATE SCHEMA raw")
    con.execute(f"CREATE TABLE {INDEX_WEIGHTS.name} ({', '.join(f'{c} {t}' for c, t in old)})")
    con.execute(f"INSERT INTO {INDEX_WEIGHTS.name} (fund_ticker, as_of_date, published_on, ticker, company_key, "
                "company_name, asset_class, weight_pct, payload_hash) VALUES ('IVV', '2024-01-31', '2024-02-01', "
                "'AAPL', 'AAPL', 'APPLE INC', 'Equity', 7.0, 'h')")
    ensure_raw_schema(con, (INDEX_WEIGHTS,))
    ensure_raw_schema(con, (INDEX_WEIGHTS,))  # again: nothing more to add
    assert con.execute(f"select ticker, fund_shares_outstanding from {INDEX_WEIGHTS.name}").fetchall() == [
        ("AAPL", None)]
    assert [c for c, _ in ddl_columns(INDEX_WEIGHTS.ddl)] == [
        r[0] for r in con.execute(f"describe {INDEX_WEIGHTS.name}").fetchall()]
