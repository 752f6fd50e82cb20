"""Write the malformed-payload corpus: >= 20 bad payloads per source, derived from the recorded good ones.

    uv run python tests/corpus/make_corpus.py          # rewrites tests/corpus/<source>/* and cases.json

Deterministic: the same bytes on every run (only the standard library and the recorded payloads under
``tests/payloads`` are used; zips are written uncompressed with fixed timestamps, and the cases that need
deflated data corrupt the recorded, committed zip). The generated files are committed; the generator is
kept so that the corpus can be reviewed and rebuilt. ``tests/test_bad_input_corpus.py`` checks that
rebuilding gives exactly the committed bytes.

Every case says how to land the payload (request, file extension, as-of date, fetch time, and ``via``:
the registry source whose parser reads it, when that is not the corpus directory's own source) and the
one-line error it must end in: the exact ``"<source>: series <s>: field <f>: "`` prefix and a fragment
of the message.
"""

from __future__ import annotations

import copy
import io
import json
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAYLOADS = HERE.parent / "payloads"
SOURCES = ("fred", "nyfed", "ofr", "sec_companyfacts", "sec_bdc", "holdings", "gold", "files")
HTML = (b"<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head>\n"
        b"<body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request. "
        b"Please try again later.</p></body></html>\n")
STAMP = "2025-11-21"


def dumps(doc: object) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()


def truncate(content: bytes, fraction: float = 0.6) -> bytes:
    return content[: int(len(content) * fraction)]


def non_utf8(content: bytes, at: bytes) -> bytes:
    """``content`` with a Latin-1 byte (0xE9, not valid UTF-8 on its own) just after the first ``at``."""
    i = content.index(at) + len(at)
    return content[:i] + b"\xe9" + content[i:]


def replace_once(content: bytes, old: bytes, new: bytes) -> bytes:
    assert content.count(old) >= 1, old
    return content.replace(old, new, 1)


class Corpus:
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.cases: list[dict] = []

    def source(self, name: str, *, request: dict, ext: str, as_of: str = STAMP,
               fetched_at: str = f"{STAMP}T12:00:00+00:00", via: str | None = None):
        """A case adder for one corpus directory with its defaults (overridable per case)."""
        defaults = {"request": request, "ext": ext, "as_of": as_of, "fetched_at": fetched_at, "via": via or name}

        def add(case: str, content: bytes, prefix: str, contains: str, **over) -> None:
            meta = {**defaults, **over}
            path = f"{name}/{case}.{meta['ext']}"
            assert path not in self.files, path
            self.files[path] = content
            self.cases.append({"source": name, "case": case, "file": path, "via": meta["via"],
                               "request": meta["request"], "ext": meta["ext"], "as_of": meta["as_of"],
                               "fetched_at": meta["fetched_at"], "error_prefix": prefix, "error_contains": contains})

        return add


# --------------------------------------------------------------------------- FRED (JSON API)


def fred(c: Corpus) -> None:
    raw = (PAYLOADS / "fred" / "observations_CPIAUCSL_tail.json").read_bytes()
    base = json.loads(raw)
    req = {"endpoint": "fred/series/observations", "series_id": "CPIAUCSL", "realtime_start": "1776-07-04",
           "realtime_end": "9999-12-31", "output_type": 1}
    add = c.source("fred", request=req, ext="json")
    p = "fred: series CPIAUCSL: field "

    def obs(fn) -> bytes:
        doc = copy.deepcopy(base)
        fn(doc["observations"])
        return dumps(doc)

    def doc_with(**kw) -> bytes:
        return dumps({**copy.deepcopy(base), **kw})

    def set_(i: int, **kw):
        return lambda rows: rows[i].update(kw)

    add("obs_truncated", truncate(raw), p + "body: ", "malformed or truncated observations JSON")
    add("obs_html_error_page", HTML, p + "body: ", "HTML/XML, not JSON")
    add("obs_empty_body", b"", p + "body: ", "empty observations body (0 bytes)")
    add("obs_whitespace_body", b" \r\n\t\n", p + "body: ", "empty observations body")
    add("obs_non_utf8_byte", non_utf8(raw, b'"value": "322.8'), p + "body: ", "not UTF-8")
    add("obs_lone_surrogate_escape", replace_once(raw, b'"value": "322.862"', b'"value": "\\ud800"'), p + "body: ",
        "lone UTF-16 surrogate")
    add("obs_duplicate_json_key", replace_once(raw, b'"value": "322.862"', b'"value": "322.862", "value": "399.1"'),
        p + "body: ", "duplicate JSON key 'value'")
    add("obs_value_is_number", obs(set_(0, value=322.862)), p + "value: ", "expected a string")
    add("obs_value_na", obs(set_(1, value="N/A")), p + "value: ", "not a number: 'N/A'")
    add("obs_value_nan", obs(set_(2, value="NaN")), p + "value: ", "not a number: 'NaN'")
    add("obs_value_overflow", obs(set_(3, value="1e999")), p + "value: ", "not finite")
    add("obs_value_underscore", obs(set_(4, value="1_000.5")), p + "value: ", "not a number: '1_000.5'")
    add("obs_value_null", obs(set_(0, value=None)), p + "value: ", "NoneType None, expected a string")
    add("obs_future_vintage", obs(set_(5, realtime_start="2026-01-14")), p + "realtime_start: ",
        "2026-01-14 is in the future (fetched 2025-11-21)")
    add("obs_invalid_date", obs(set_(3, date="2025-02-30")), p + "date: ", "not a date: '2025-02-30'")
    add("obs_iso_week_date", obs(set_(3, date="2025-W27-1")), p + "date: ", "not a date: '2025-W27-1'")
    add("obs_year_zero", obs(set_(3, date="0000-08-01")), p + "date: ", "not a date: '0000-08-01'")
    add("obs_basic_format_date", obs(set_(3, date="20250801")), p + "date: ", "not a date: '20250801'")
    add("obs_date_is_number", obs(set_(0, date=20250701)), p + "date: ", "expected a YYYY-MM-DD string")
    add("obs_duplicate_observation",
        obs(lambda rows: rows.append({**rows[2], "value": "330.001"})), p + "date: ",
        "duplicate observation 2025-07-01 for vintage 2025-10-24")
    add("obs_extra_field", obs(set_(0, footnote="revised")), p + "footnote: ", "schema drift in observation #0")
    add("obs_missing_field", obs(lambda rows: rows[1].pop("realtime_end")), p + "realtime_end: ",
        "missing ['realtime_end']")
    add("obs_end_before_start", obs(set_(0, realtime_end="2025-08-01")), p + "realtime_end: ",
        "before realtime_start 2025-08-12")
    add("obs_row_not_object", obs(lambda rows: rows.insert(0, ["2025-07-01", "322.8"])), p + "observations: ",
        "observation #0 is not an object")
    add("obs_observations_is_object", doc_with(observations={"2025-07-01": "322.862"}), p + "observations: ",
        "missing or non-list 'observations'")
    add("obs_observations_missing", dumps({k: v for k, v in base.items() if k != "observations"}),
        p + "observations: ", "missing or non-list")
    add("obs_top_level_list", dumps(base["observations"]), p + "body: ", "observations JSON is a list")
    add("obs_transformed_units", doc_with(units="pch"), p + "units: ", "transformed units 'pch'")
    add("obs_api_error", dumps({"error_code": 400, "error_message": "Bad Request. The series does not exist."}),
        p + "error_message: ", "API error 400")
    add("obs_unknown_series", raw, "fred: series NOTASERIES: field series_id: ", "unknown series",
        request={**req, "series_id": "NOTASERIES"})
    add("obs_unknown_endpoint", raw, "fred: field endpoint: ", "unknown endpoint 'fred/series/vintagedates'",
        request={**req, "endpoint": "fred/series/vintagedates"})

    series_raw = (PAYLOADS / "fred" / "series_WTREGEN.json").read_bytes()
    series = json.loads(series_raw)
    sreq = {"endpoint": "fred/series", "series_id": "WTREGEN"}
    sp = "fred: series WTREGEN: field "

    def meta(**kw) -> bytes:
        doc = copy.deepcopy(series)
        doc["seriess"][0].update(kw)
        return dumps(doc)

    add("series_unit_changed", meta(units="Billions of U.S. Dollars"), sp + "units: ",
        "unit changed: catalog says 'Millions of U.S. Dollars'", request=sreq)
    add("series_frequency_changed", meta(frequency_short="D"), sp + "frequency_short: ", "frequency changed",
        request=sreq)
    add("series_other_id", meta(id="WTREGEN2"), sp + "id: ", "unexpected series id 'WTREGEN2'", request=sreq)
    add("series_two_entries", dumps({**series, "seriess": series["seriess"] * 2}), sp + "seriess: ",
        "expected exactly one entry", request=sreq)
    add("series_bad_observation_end", meta(observation_end="2025-11-31"), sp + "observation_end: ",
        "not a date: '2025-11-31'", request=sreq)

    rreq = {"endpoint": "fred/release/dates", "release_id": 20, "include_release_dates_with_no_data": True}
    rdoc = {"realtime_start": STAMP, "realtime_end": STAMP, "order_by": "release_date", "sort_order": "asc",
            "count": 3, "offset": 0, "limit": 10000,
            "release_dates": [{"release_id": 20, "date": d} for d in ("2025-11-06", "2025-11-13", "2025-11-20")]}
    rp = "fred: series release 20: field "

    def rel(fn) -> bytes:
        doc = copy.deepcopy(rdoc)
        fn(doc["release_dates"])
        return dumps(doc)

    add("release_dates_other_release", rel(lambda r: r[1].update(release_id=21)), rp + "release_id: ",
        "entry #1 is not for release 20", request=rreq)
    add("release_dates_duplicate", rel(lambda r: r.append(dict(r[0]))), rp + "date: ", "duplicate release date",
        request=rreq)
    add("release_dates_unknown_release", rel(lambda r: [x.update(release_id=99999) for x in r]),
        "fred: series release 99999: field release_id: ", "release not in the catalog",
        request={**rreq, "release_id": 99999})


# --------------------------------------------------------------------------- NY Fed (JSON API)


def nyfed(c: Corpus) -> None:
    raw = (PAYLOADS / "nyfed" / "sofr_2019-09-13_2019-09-20.json").read_bytes()
    base = json.loads(raw)
    req = {"endpoint": "rates/secured/sofr/search.json", "rate_type": "SOFR", "startDate": "2019-09-13",
           "endDate": "2019-09-20", "knowledge": "release_schedule"}
    add = c.source("nyfed", request=req, ext="json", fetched_at=f"{STAMP}T18:00:00+00:00")
    p = "nyfed: series SOFR: field "

    def rows(fn) -> bytes:
        doc = copy.deepcopy(base)
        fn(doc["refRates"])
        return dumps(doc)

    def set_(i: int, **kw):
        return lambda r: r[i].update(kw)

    add("truncated", truncate(raw), p + "body: ", "malformed or truncated reference rates JSON")
    add("html_error_page", HTML, p + "body: ", "HTML/XML, not JSON")
    add("empty_body", b"", p + "body: ", "empty reference rates body (0 bytes)")
    add("non_utf8_byte", non_utf8(raw, b'"type": "SOF'), p + "body: ", "not UTF-8")
    add("lone_surrogate_escape", replace_once(raw, b'"revisionIndicator": ""', b'"revisionIndicator": "\\udc00"'),
        p + "body: ", "lone UTF-16 surrogate")
    add("duplicate_json_key", replace_once(raw, b'"percentRate": 1.95', b'"percentRate": 1.95, "percentRate": 2.95'),
        p + "body: ", "duplicate JSON key 'percentRate'")
    add("rate_is_string", rows(set_(0, percentRate="1.95")), p + "percentRate: ", "expected a number, got str")
    add("rate_is_dot", rows(set_(1, percentRate=".")), p + "percentRate: ", "expected a number, got str '.'")
    add("rate_is_bool", rows(set_(1, percentRate=True)), p + "percentRate: ", "expected a number, got bool")
    add("rate_is_nan", rows(set_(2, percentRate=float("nan"))), p + "percentRate: ", "not finite: 'nan'")
    add("percentile_is_infinity", rows(set_(0, percentPercentile99=float("inf"))), p + "percentPercentile99: ",
        "not finite: 'inf'")
    add("volume_overflows_double",
        replace_once(raw, b'"volumeInBillions": 1235', b'"volumeInBillions": 1' + b"0" * 400),
        p + "volumeInBillions: ", "not finite")
    add("volume_negative", rows(set_(3, volumeInBillions=-1238)), p + "volumeInBillions: ", "negative volume -1238")
    add("percentiles_out_of_order", rows(set_(0, percentPercentile75=1.5)), p + "percentPercentile75: ",
        "percentiles out of order")
    add("future_effective_date", rows(set_(0, effectiveDate="2026-03-02")), p + "effectiveDate: ",
        "2026-03-02 is not before the fetch date 2025-11-21")
    add("invalid_date", rows(set_(1, effectiveDate="2019-02-30")), p + "effectiveDate: ", "not a date: '2019-02-30'")
    add("iso_week_date", rows(set_(1, effectiveDate="2019-W38-4")), p + "effectiveDate: ",
        "not a date: '2019-W38-4'")
    add("date_is_number", rows(set_(1, effectiveDate=20190919)), p + "effectiveDate: ",
        "expected a YYYY-MM-DD string, got int")
    add("before_first_publication", rows(set_(4, effectiveDate="2017-09-15")), p + "effectiveDate: ",
        "before the rate was first published")
    add("duplicate_effective_date", rows(lambda r: r.append({**r[0], "percentRate": 1.96})), p + "effectiveDate: ",
        "duplicate effectiveDate 2019-09-20")
    add("other_rate_type", rows(set_(0, type="EFFR")), p + "type: ", "a EFFR row in a SOFR answer")
    add("unknown_rate_type", rows(set_(0, type="OBFR")), p + "type: ", "unknown rate type")
    add("extra_field", rows(set_(0, percentPercentile50=1.95)), p + "percentPercentile50: ",
        "schema drift on 2019-09-20: extra ['percentPercentile50']")
    add("missing_field", rows(lambda r: r[2].pop("percentPercentile25")), p + "percentPercentile25: ",
        "missing ['percentPercentile25']")
    add("revision_indicator_number", rows(set_(0, revisionIndicator=1)), p + "revisionIndicator: ",
        "expected a short string, got int")
    add("footnote_is_object", rows(set_(0, footnoteId={"id": 1})), p + "footnoteId: ",
        "expected a string or integer id, got dict")
    add("row_not_object", rows(lambda r: r.insert(0, "2019-09-20")), p + "refRates: ",
        "row #0 is a str, expected an object")
    add("refrates_is_object", dumps({"refRates": {"2019-09-20": base["refRates"][0]}}), p + "refRates: ",
        "'refRates' is a dict, expected a list")
    add("top_level_list", dumps(base["refRates"]), p + "body: ", "JSON is a list")
    add("top_level_extra_key", dumps({**base, "error": "rate limited"}), p + "error: ",
        "schema drift at the top level: extra ['error']")
    add("unknown_endpoint", raw, "nyfed: series OBFR: field endpoint: ", "unknown endpoint 'rates/secured/obfr",
        request={**req, "endpoint": "rates/secured/obfr/search.json", "rate_type": "OBFR"})


# --------------------------------------------------------------------------- OFR (JSON API)


def ofr(c: Corpus) -> None:
    raw = (PAYLOADS / "ofr" / "full_REPO-GCF_AR_OO-P_2020-11.json").read_bytes()
    base = json.loads(raw)
    m = "REPO-GCF_AR_OO-P"
    req = {"endpoint": "series/full", "mnemonic": m, "knowledge": "release_schedule"}
    add = c.source("ofr", request=req, ext="json", fetched_at=f"{STAMP}T18:00:00+00:00")
    p = f"ofr: series {m}: field "

    def full(fn) -> bytes:
        doc = copy.deepcopy(base)
        fn(doc[m])
        return dumps(doc)

    def point(i: int, value: object):
        return lambda e: e["timeseries"]["aggregation"].__setitem__(i, value)

    add("truncated", truncate(raw), p + "body: ", "malformed or truncated series JSON")
    add("html_error_page", HTML, p + "body: ", "HTML/XML, not JSON")
    add("empty_body", b"", p + "body: ", "empty series body (0 bytes)")
    add("non_utf8_byte", non_utf8(raw, b'"name": "GCF'), p + "body: ", "not UTF-8")
    add("lone_surrogate_escape", replace_once(raw, b'"subsetting": "Tenor"', b'"subsetting": "Ten\\ud83dor"'),
        p + "body: ", "lone UTF-16 surrogate")
    add("duplicate_json_key", replace_once(raw, b'"vintage": "Preliminary"',
                                           b'"vintage": "Preliminary", "vintage": "Final"'),
        p + "body: ", "duplicate JSON key 'vintage'")
    add("value_is_string", full(point(0, ["2020-11-23", "0.046"])), p + "value: ", "expected a number, got str")
    add("value_is_dot", full(point(1, ["2020-11-24", "."])), p + "value: ", "expected a number, got str '.'")
    add("value_is_nan", full(point(2, ["2020-11-25", float("nan")])), p + "value: ", "not finite")
    add("future_date", full(point(6, ["2026-01-05", 0.05])), p + "date: ", "not before the fetch date")
    add("published_after_fetch", full(point(6, ["2025-11-14", 0.05])), p + "date: ",
        "date 2025-11-14 is published 2025-11-17, after the fetch on 2025-11-15",
        fetched_at="2025-11-15T12:00:00+00:00", as_of="2025-11-15")
    add("invalid_date", full(point(3, ["2020-11-31", 0.04])), p + "date: ", "not a date: '2020-11-31'")
    add("duplicate_date", full(lambda e: e["timeseries"]["aggregation"].append(["2020-11-23", 0.047])),
        p + "date: ", "duplicate date 2020-11-23")
    add("point_of_three", full(point(0, ["2020-11-23", 0.046, "P"])), p + "aggregation: ",
        "point #0 is a list of 3, expected [date, value]")
    add("point_is_object", full(point(0, {"date": "2020-11-23", "value": 0.046})), p + "aggregation: ",
        "point #0 is a dict")
    add("aggregation_is_object", full(lambda e: e["timeseries"].update(aggregation={"2020-11-23": 0.046})),
        p + "aggregation: ", "'aggregation' is a dict, expected a list")
    add("timeseries_extra_key", full(lambda e: e["timeseries"].update(revisions=[])), p + "revisions: ",
        "schema drift in 'timeseries': extra ['revisions']")
    add("entry_extra_part", full(lambda e: e.update(notes="x")), p + "notes: ", "schema drift: extra ['notes']")
    add("metadata_missing", full(lambda e: e.pop("metadata")), p + "metadata: ", "missing ['metadata']")
    add("vintage_contradicts", full(lambda e: e["metadata"]["description"].update(vintage="Final")),
        p + "vintage: ", "metadata vintage 'Final' contradicts the preliminary mnemonic")
    add("unit_changed", full(lambda e: e["metadata"]["unit"].update(name="Basis Points")), p + "unit: ",
        "unit changed: catalog 'Percent', payload 'Basis Points'")
    add("frequency_changed", full(lambda e: e["metadata"]["schedule"].update(observation_frequency="Weekly")),
        p + "observation_frequency: ", "observation frequency changed to 'Weekly'")
    add("series_name_not_string", full(lambda e: e["metadata"]["description"].update(name=42)), p + "name: ",
        "'description.name' is a int, expected a string")
    add("start_date_invalid", full(lambda e: e["metadata"]["schedule"].update(start_date="2019-13-02")),
        p + "start_date: ", "not a date: '2019-13-02'")
    add("metadata_for_other_mnemonic", full(lambda e: e["metadata"].update(mnemonic="REPO-DVP_AR_OO-P")),
        p + "mnemonic: ", "metadata is for 'REPO-DVP_AR_OO-P'")
    add("payload_for_other_mnemonic", dumps({"REPO-DVP_AR_OO-P": base[m]}), p + "mnemonic: ",
        "expected one entry for REPO-GCF_AR_OO-P, got ['REPO-DVP_AR_OO-P']")
    add("payload_for_unknown_mnemonic", dumps({"REPO-XYZ_AR_OO-P": base[m]}), p + "mnemonic: ",
        "(unknown mnemonic)")
    add("unknown_mnemonic_requested", raw, "ofr: series REPO-XYZ_AR_OO-P: field mnemonic: ", "unknown mnemonic",
        request={**req, "mnemonic": "REPO-XYZ_AR_OO-P"})
    add("unknown_endpoint", raw, p + "endpoint: ", "unknown endpoint 'series/spread'",
        request={**req, "endpoint": "series/spread"})

    tail_raw = (PAYLOADS / "ofr" / "timeseries_REPO-DVP_TV_TOT-F_tail.json").read_bytes()
    tail = json.loads(tail_raw)
    treq = {"endpoint": "series/timeseries", "mnemonic": "REPO-DVP_TV_TOT-F"}
    tp = "ofr: series REPO-DVP_TV_TOT-F: field "
    add("timeseries_volume_overflows_double", replace_once(tail_raw, b"1592672000000", b"1" + b"0" * 400),
        tp + "value: ", "not finite", request=treq)
    add("timeseries_negative_volume", dumps([tail[0], [tail[1][0], -tail[1][1]], *tail[2:]]), tp + "value: ",
        "negative volume", request=treq)
    add("timeseries_error_object", dumps({"error": "Invalid mnemonic", "status": 400}), tp + "body: ",
        "expected a list of [date, value] pairs, got an object (error: Invalid mnemonic", request=treq)
    add("timeseries_scalar", b"42", tp + "body: ", "'body' is a int, expected a list", request=treq)


# --------------------------------------------------------------------------- SEC companyfacts (JSON API)


def sec_companyfacts(c: Corpus) -> None:
    raw = (PAYLOADS / "sec" / "companyfacts_CIK0001341439_tail.json").read_bytes()
    base = json.loads(raw)
    req = {"endpoint": "api/xbrl/companyfacts", "cik": "0001341439"}
    add = c.source("sec_companyfacts", request=req, ext="json")
    p = "sec_companyfacts: series CIK0001341439: field "
    ltd = "facts.us-gaap.LongTermDebt"
    at = f"{ltd}.units.USD"

    def doc_with(fn) -> bytes:
        doc = copy.deepcopy(base)
        fn(doc)
        return dumps(doc)

    def fact(i: int, **kw):
        return doc_with(lambda d: d["facts"]["us-gaap"]["LongTermDebt"]["units"]["USD"][i].update(kw))

    add("truncated", truncate(raw), p + "body: ", "malformed or truncated companyfacts JSON")
    add("html_error_page", HTML, p + "body: ", "HTML/XML, not JSON")
    add("empty_body", b"", p + "body: ", "empty companyfacts body (0 bytes)")
    add("non_utf8_byte", non_utf8(raw, b'"entityName": "ORACLE'), p + "body: ", "not UTF-8")
    add("lone_surrogate_escape", replace_once(raw, b'"ORACLE CORPORATION"', b'"ORACLE \\udfffCORPORATION"'),
        p + "body: ", "lone UTF-16 surrogate")
    add("duplicate_json_key", replace_once(raw, b'"val": 89990000000', b'"val": 89990000000, "val": 1'),
        p + "body: ", "duplicate JSON key 'val'")
    add("top_level_list", dumps([base]), p + "body: ", "companyfacts JSON is a list")
    add("val_is_string", fact(0, val="89990000000"), p + f"{at}[0].val: ", "val is str '89990000000'")
    add("val_is_dot", fact(1, val="."), p + f"{at}[1].val: ", "val is str '.'")
    add("val_is_nan", fact(2, val=float("nan")), p + f"{at}[2].val: ", "val is float 'nan'")
    add("val_overflows_double", replace_once(raw, b'"val": 89990000000', b'"val": 1' + b"0" * 400),
        p + f"{at}[0].val: ", "val is int", )
    add("filed_in_future", fact(3, filed="2026-02-01"), p + f"{at}[3].filed: ",
        "filed 2026-02-01 is in the future (fetched 2025-11-21)")
    add("end_invalid_date", fact(4, end="2024-02-30"), p + f"{at}[4].end: ", "not a date: '2024-02-30'")
    add("end_basic_format", fact(4, end="20240531"), p + f"{at}[4].end: ", "not a date: '20240531'")
    add("start_after_end", doc_with(lambda d: d["facts"]["us-gaap"]["PaymentsToAcquirePropertyPlantAndEquipment"]
                                    ["units"]["USD"][0].update(start="2024-06-01")),
        p + "facts.us-gaap.PaymentsToAcquirePropertyPlantAndEquipment.units.USD[0].start: ",
        "start 2024-06-01 after end 2024-05-31")
    add("duplicate_fact_two_values",
        doc_with(lambda d: d["facts"]["us-gaap"]["LongTermDebt"]["units"]["USD"].append(
            {**base["facts"]["us-gaap"]["LongTermDebt"]["units"]["USD"][5], "val": 88000000000})),
        p + f"{at}[11].val: ", "duplicate fact for 2024-08-31 in 0000950170-24-584492 with two values")
    add("extra_fact_field", fact(0, segment="Cloud"), p + f"{at}[0].segment: ", "schema drift: extra ['segment']")
    add("missing_accn", doc_with(lambda d: d["facts"]["us-gaap"]["LongTermDebt"]["units"]["USD"][0].pop("accn")),
        p + f"{at}[0].accn: ", "missing ['accn']")
    add("accn_malformed", fact(0, accn="0000950170-24-63583"), p + f"{at}[0].accn: ",
        "is not ##########-##-######")
    add("fy_is_string", fact(0, fy="2024"), p + f"{at}[0].fy: ", "fy is str '2024', expected an integer")
    add("fy_out_of_range", fact(0, fy=20240000000), p + f"{at}[0].fy: ", "fy 20240000000 is not a fiscal year")
    add("form_empty", fact(0, form=""), p + f"{at}[0].form: ", "form is '', expected a form type")
    add("frame_malformed", fact(5, frame="FY2024Q3"), p + f"{at}[5].frame: ", "is not CY####[Q#][I]")
    add("fact_not_object", doc_with(lambda d: d["facts"]["us-gaap"]["LongTermDebt"]["units"]["USD"].insert(0, 1)),
        p + f"{at}[0]: ", "fact is not an object")
    add("unit_not_list", doc_with(lambda d: d["facts"]["us-gaap"]["LongTermDebt"]["units"].update(USD={})),
        p + f"{at}: ", "unit 'USD' is not a list of facts")
    add("concept_without_units", doc_with(lambda d: d["facts"]["us-gaap"]["LongTermDebt"].pop("units")),
        p + f"{ltd}: ", "concept has no 'units' object")
    # a filer without us-gaap facts (IFRS) is not bad input: its dei facts load (tests/recorded); a us-gaap that
    # is not an object is
    add("us_gaap_is_list", doc_with(lambda d: d["facts"].update({"us-gaap": []})), p + "facts.us-gaap: ",
        "'facts.us-gaap' is a list, expected an object")
    add("no_configured_concept", doc_with(lambda d: d["facts"].update(
        {"us-gaap": {"Revenues": d["facts"]["us-gaap"]["Revenues"]}})), p + "facts.us-gaap: ",
        "none of the")
    add("facts_is_list", doc_with(lambda d: d.update(facts=[])), p + "facts: ", "'facts' is not an object")
    add("missing_entity_name", doc_with(lambda d: d.pop("entityName")), p + "entityName: ",
        "schema drift: missing top-level keys ['entityName']")
    add("entity_name_number", doc_with(lambda d: d.update(entityName=1341439)), p + "entityName: ",
        "entityName is int, expected a string")
    # cik "0001341439" (a zero-padded string, as newer registrants get) is valid; a cik that is no number is not
    add("cik_not_digits", doc_with(lambda d: d.update(cik="CIK1341439")), p + "cik: ", "cik is str 'CIK1341439'")
    add("cik_of_other_company", doc_with(lambda d: d.update(cik=789019)), p + "cik: ",
        "payload is for CIK0000789019, not the requested company")
    add("unknown_cik_requested", raw, "sec_companyfacts: series CIK0000000042: field cik: ", "unknown CIK",
        request={**req, "cik": "42"})
    add("unknown_endpoint", raw, "sec_companyfacts: field endpoint: ", "unknown endpoint 'api/xbrl/frames'",
        request={**req, "endpoint": "api/xbrl/frames"})


# --------------------------------------------------------------------------- SEC BDC data sets (zips of TSVs)


def _tsv_rows(data: bytes) -> list[list[str]]:
    return [line.split("\t") for line in data.decode().rstrip("\n").split("\n")]


def _tsv(rows: list[list[str]]) -> bytes:
    return ("\n".join("\t".join(r) for r in rows) + "\n").encode()


def bdc_zip(members: dict[str, bytes]) -> bytes:
    """A data-set zip, stored (not deflated) with fixed timestamps, so the bytes never vary."""
    sink = io.BytesIO()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2025, 11, 5, 0, 0, 0)), data)
    return sink.getvalue()


def sec_bdc(c: Corpus) -> None:
    recorded = (PAYLOADS / "sec" / "bdc" / "2025_10_bdc.zip").read_bytes()
    sub_raw = (PAYLOADS / "sec" / "bdc" / "sub.tsv").read_bytes()
    soi_raw = (PAYLOADS / "sec" / "bdc" / "soi.tsv").read_bytes()
    name = "2025_10_bdc.zip"
    req = {"endpoint": "bdc-data-sets", "file": name}
    add = c.source("sec_bdc", request=req, ext="zip")
    p = f"sec_bdc: series {name}: field "
    sub, soi = _tsv_rows(sub_raw), _tsv_rows(soi_raw)
    col = {h: i for i, h in enumerate(soi[0])}
    scol = {h: i for i, h in enumerate(sub[0])}

    def z(sub_rows=None, soi_rows=None, *, sub_bytes=None, soi_bytes=None, extra: dict | None = None) -> bytes:
        members = {"datasets/sub.tsv": sub_bytes if sub_bytes is not None else _tsv(sub_rows or sub),
                   "soi.tsv": soi_bytes if soi_bytes is not None else _tsv(soi_rows or soi)}
        return bdc_zip({**members, **(extra or {})})

    def soi_cell(row: int, column: str, value: str) -> list[list[str]]:
        rows = copy.deepcopy(soi)
        rows[row][col[column]] = value
        return rows

    def sub_cell(row: int, column: str, value: str) -> list[list[str]]:
        rows = copy.deepcopy(sub)
        rows[row][scol[column]] = value
        return rows

    def drop_column(rows: list[list[str]], column: str) -> list[list[str]]:
        i = rows[0].index(column)
        return [r[:i] + r[i + 1:] for r in rows]

    fv, pr = "Investment Owned, Fair Value", "Investment Owned, Balance, Principal Amount"
    ident = "Investment, Identifier Axis"
    add("truncated_zip", recorded[: len(recorded) // 2], p + "body: ", "truncated or corrupt zip")
    add("corrupt_deflate_stream", recorded[:60] + bytes(b ^ 0x5A for b in recorded[60:200]) + recorded[200:],
        p + "body: ", "truncated or corrupt zip")
    stored = z()
    i = stored.index(b"NORTHBRIDGE")
    add("bad_crc", stored[:i] + b"S" + stored[i + 1:], p + "body: ", "Bad CRC-32")
    add("html_error_page", HTML, p + "body: ", "HTML/XML, not a zip")
    add("empty_body", b"", p + "body: ", "empty data-set body (0 bytes)")
    add("not_a_zip", sub_raw, p + "body: ", "body is not a zip (starts with b'adsh\\tcik")
    add("zip_without_soi", bdc_zip({"datasets/sub.tsv": sub_raw, "readme.htm": b"<html></html>"}),
        p + "soi.tsv: ", "zip has no soi.tsv")
    add("zip_without_sub", bdc_zip({"soi.tsv": soi_raw}), p + "sub.tsv: ", "zip has no sub.tsv")
    add("sub_missing_filed_column", z(drop_column(sub, "filed")), p + "sub.tsv.filed: ",
        "schema drift: missing columns ['filed']")
    add("soi_missing_ddate_column", z(soi_rows=drop_column(soi, "ddate")), p + "soi.tsv.ddate: ",
        "missing columns ['ddate']")
    add("soi_without_fair_value", z(soi_rows=drop_column(soi, fv)), p + f"soi.tsv.{fv}: ",
        "schema drift: no fair value column")
    add("soi_empty_member", z(soi_bytes=b""), p + "soi.tsv: ", "empty table (no header row)")
    add("soi_duplicate_columns", z(soi_rows=[r + [r[col[fv]]] for r in soi]), p + f"soi.tsv.{fv}: ",
        "duplicate columns")
    add("soi_non_utf8_byte", z(soi_bytes=non_utf8(soi_raw, b"Cedar Dental")), p + "soi.tsv: ",
        "malformed TSV: In CSV column #10: invalid UTF-8 data")
    add("soi_extra_field_in_row", z(soi_rows=[*soi[:2], soi[2] + ["surplus"], *soi[3:]]), p + "soi.tsv: ",
        "malformed TSV")
    add("fair_value_is_dot", z(soi_rows=soi_cell(1, fv, ".")), p + f"soi.tsv.{fv}: ", "line 2: not a number: '.'")
    add("fair_value_na", z(soi_rows=soi_cell(2, fv, "N/A")), p + f"soi.tsv.{fv}: ", "line 3: not a number: 'N/A'")
    add("fair_value_nan", z(soi_rows=soi_cell(2, fv, "NaN")), p + f"soi.tsv.{fv}: ", "line 3: not a number: 'NaN'")
    add("fair_value_infinite", z(soi_rows=soi_cell(1, fv, "1e999")), p + f"soi.tsv.{fv}: ",
        "line 2: not a number: '1e999'")
    add("principal_negative", z(soi_rows=soi_cell(2, pr, "-15000000")), p + f"soi.tsv.{pr}: ",
        "kept row 3: negative principal -15000000")
    add("fair_value_negative", z(soi_rows=soi_cell(1, fv, "-38677500")), p + f"soi.tsv.{fv}: ",
        "kept row 2: negative fair value -38677500")
    add("spread_out_of_range", z(soi_rows=soi_cell(1, "Investment, Basis Spread, Variable Rate", "57.5")),
        p + "soi.tsv.Investment, Basis Spread, Variable Rate: ", "spread 57.5 out of range")
    add("maturity_invalid_date", z(soi_rows=soi_cell(1, "Investment Maturity Date", "2028-02-30")),
        p + "soi.tsv.Investment Maturity Date: ", "not a date: '2028-02-30'")
    add("ddate_invalid", z(soi_rows=soi_cell(2, "ddate", "20250931")), p + "soi.tsv.ddate: ",
        "not a date: '20250931'")
    add("ddate_year_zero", z(soi_rows=soi_cell(1, "ddate", "00000930")), p + "soi.tsv.ddate: ",
        "line 2: not a date: '00000930'")
    add("sub_filed_in_future", z(sub_cell(1, "filed", "20260115")), p + "sub.tsv.filed: ",
        "filed 2026-01-15 is in the future (fetched 2025-11-21)")
    add("sub_period_missing", z(sub_cell(2, "period", "")), p + "sub.tsv.period: ", "line 3: missing date")
    add("sub_bad_accession", z(sub_cell(1, "adsh", "0009990001-25-13900")), p + "sub.tsv.adsh: ",
        "accession is not ##########-##-######")
    add("sub_duplicate_submission", z([*sub, sub[1]]), p + "sub.tsv.adsh: ",
        "duplicate submission 0009990001-25-139000")
    add("sub_fiscal_year_text", z(sub_cell(1, "fy", "FY25")), p + "sub.tsv.fy: ", "fiscal year is not a year: 'FY25'")
    add("soi_unknown_submission", z(soi_rows=soi_cell(3, "adsh", "0009990002-25-139001")), p + "soi.tsv.adsh: ",
        "line 4: unknown submission '0009990002-25-139001' (not in sub.tsv)")
    add("soi_cik_mismatch", z(soi_rows=soi_cell(2, "cik", "9990004")), p + "soi.tsv.cik: ",
        "line 3: CIK '9990004' differs from the submission's")
    add("duplicate_position_two_values", z(soi_rows=[*soi, soi_cell(1, fv, "39000000")[1]]), p + f"soi.tsv.{ident}: ",
        "duplicate position 'Zenith Software Holdings, LLC | First Lien Senior Secured Term Loan'")
    add("empty_identifier", z(soi_rows=soi_cell(2, ident, " [Member]")), p + f"soi.tsv.{ident}: ",
        "empty investment identifier")
    add("invalid_dataset_name", recorded, "sec_bdc: series ../2025_10_bdc.zip: field file: ",
        "invalid data-set name", request={**req, "file": "../2025_10_bdc.zip"})


# --------------------------------------------------------------------------- iShares holdings (CSV)


def holdings(c: Corpus) -> None:
    raw = (PAYLOADS / "holdings" / "IVV_holdings_2025-10-31.csv").read_bytes()
    req = {"endpoint": "ishares/holdings", "fund": "IVV", "as_of": "2025-10-31"}
    add = c.source("holdings", request=req, ext="csv")
    p = "holdings: series IVV 2025-10-31: field "
    nvda = b'"NVDA","NVIDIA CORP","Information Technology","Equity","56,123,456,789.01","24.00"'
    head = b"Ticker,Name,Sector,Asset Class,Market Value,Weight (%),Notional Value,Quantity,Price,"

    def sub(old: bytes, new: bytes) -> bytes:
        return replace_once(raw, old, new)

    add("truncated_mid_row", raw[: raw.index(b'"AAPL"') + 60], p + "rows: ", "malformed holdings CSV")
    add("truncated_in_preamble", raw[:80], p + "header: ", "no holdings header row")
    add("html_error_page", HTML, p + "body: ", "body is HTML, not a holdings CSV")
    add("empty_body", b"", p + "body: ", "empty holdings body (0 bytes)")
    add("non_utf8_byte", non_utf8(raw, b'"NVIDIA'), p + "body: ", "body is not UTF-8")
    add("weight_na", sub(b'"24.00"', b'"N/A"'), p + "Weight (%): ", "line 11: not a number: 'N/A'")
    add("weight_dot", sub(b'"20.00"', b'"."'), p + "Weight (%): ", "line 12: not a number: '.'")
    add("weight_nan", sub(b'"24.00"', b'"NaN"'), p + "Weight (%): ", "line 11: not a number: 'NaN'")
    add("weight_infinite", sub(b'"24.00"', b'"1e999"'), p + "Weight (%): ", "line 11: not a number: '1e999'")
    add("weight_empty", sub(b'"24.00"', b'"-"'), p + "Weight (%): ", "line 11: missing weight")
    add("weights_as_fractions", raw.replace(b'"24.00","56', b'"0.24","56').replace(b'"20.00"', b'"0.20"')
        .replace(b'"19.00"', b'"0.19"').replace(b'"7.00"', b'"0.07"').replace(b'"6.00"', b'"0.06"'),
        p + "Weight (%): ", "weights add up to")
    add("market_value_text", sub(nvda, nvda.replace(b'"56,123,456,789.01"', b'"fifty-six billion"')),
        p + "Market Value: ", "line 11: not a number: 'fifty-six billion'")
    add("quantity_negative", sub(b'"278,123,456.00"', b'"-278,123,456.00"'), p + "Quantity: ",
        "line 11: negative Quantity")
    add("market_value_negative", sub(b'"46,780,000,000.00","20.00"', b'"-46,780,000,000.00","20.00"'),
        p + "Market Value: ", "line 12: negative Market Value")
    add("duplicate_ticker", sub(b'"AAPL","APPLE INC"', b'"NVDA","APPLE INC"'), p + "Ticker: ",
        "duplicate holding 'NVDA'")
    add("invalid_ticker", sub(b'"AAPL","APPLE INC"', b'"aapl!","APPLE INC"'), p + "Ticker: ",
        "line 12: invalid ticker 'aapl!'")
    add("equity_without_ticker", sub(b'"AAPL","APPLE INC"', b'"-","APPLE INC"'), p + "Ticker: ",
        "line 12: equity row without a ticker")
    add("unknown_column", sub(head, head.replace(b"Price,", b"Price,Delta,", 1)), p + "Delta: ",
        "schema drift: unknown columns ['Delta']")
    add("missing_weight_column", sub(head, head.replace(b"Weight (%),", b"Weight,")), p + "Weight: ",
        "unknown columns ['Weight'], missing ['Weight (%)']")
    add("duplicate_column", sub(head, head.replace(b"Price,", b"Market Value,", 1)), p + "header: ",
        "duplicate columns in the header")
    add("as_of_mismatch", sub(b'"Oct 31, 2025"', b'"Oct 30, 2025"'), p + "Fund Holdings as of: ",
        "file is as of 2025-10-30, not the requested 2025-10-31")
    add("as_of_invalid", sub(b'"Oct 31, 2025"', b'"Oct 32, 2025"'), p + "Fund Holdings as of: ",
        "no 'Fund Holdings as of' date")
    add("no_header_row", sub(b"Ticker,Name,", b"Symbol,Name,"), p + "header: ", "no holdings header row")
    add("no_rows", raw[: raw.index(b'"NVDA"')] + b"\n \n", p + "rows: ", "no holdings rows")
    add("as_of_in_future", raw.replace(b"Oct 31, 2025", b"Dec 31, 2025"),
        "holdings: series IVV 2025-12-31: field as_of: ", "as_of 2025-12-31 is after the fetch (2025-11-21)",
        request={**req, "as_of": "2025-12-31"})
    add("invalid_fund_requested", raw, "holdings: field fund: ", "invalid fund ticker 'ivv'",
        request={**req, "fund": "ivv"})


# --------------------------------------------------------------------------- gold (FreeGoldAPI CSV)


def gold(c: Corpus) -> None:
    raw = (PAYLOADS / "gold" / "freegoldapi_latest_excerpt.csv").read_bytes()
    req = {"endpoint": "freegoldapi/data/latest.csv", "symbol": "XAU"}
    add = c.source("gold", request=req, ext="csv")
    p = "gold: series XAU/USD: field "
    lines = raw.decode().splitlines()
    n_before = lines.index("2025-01-03,2645.0,USD") + 1  # file line of that row

    def sub(old: str, new: str) -> bytes:
        return replace_once(raw, old.encode(), new.encode())

    add("truncated_mid_row", raw[: raw.index(b"2025-01-03") + 7], p + "body: ", "has 1 fields, expected 3")
    add("html_error_page", HTML, p + "body: ", "body is HTML/XML, not CSV")
    add("empty_body", b"", p + "body: ", "empty file (0 bytes)")
    add("non_utf8_byte", non_utf8(raw, b"2645.0,US"), p + "body: ", "not UTF-8: byte 0xe9")
    add("header_extra_column", sub("date,price,currency", "date,price,currency,volume"), p + "volume: ",
        "header drift: expected date,price,currency")
    add("header_missing_column", b"date,price\n1950-01-01,34.71\n", p + "currency: ", "missing ['currency']")
    add("header_renamed", sub("date,price,currency", "Date,Close,Currency"), p + "Close: ", "header drift")
    add("price_dot", sub("2645.0,USD", ".,USD"), p + "price: ", f"line {n_before}: not a number: '.'")
    add("price_na", sub("2645.0,USD", "N/A,USD"), p + "price: ", f"line {n_before}: not a number: 'N/A'")
    add("price_nan", sub("2645.0,USD", "NaN,USD"), p + "price: ", "not a number: 'NaN'")
    add("price_infinite", sub("2645.0,USD", "1e999,USD"), p + "price: ", "not a finite number: '1e999'")
    add("price_empty", sub("2645.0,USD", ",USD"), p + "price: ", f"line {n_before}: empty price")
    add("price_negative", sub("2645.0,USD", "-2645.0,USD"), p + "price: ", "price -2645.0 is not positive")
    add("price_zero", sub("2645.0,USD", "0,USD"), p + "price: ", "price 0.0 is not positive")
    add("price_thousands_separator", sub("2645.0,USD", '"2,645.0",USD'), p + "price: ", "not a number: '2,645.0'")
    add("future_date", sub("2025-10-10,", "2026-01-05,"), p + "date: ",
        "2026-01-05 is in the future (fetched 2025-11-21)")
    add("year_zero", sub("1950-01-01", "0000-01-01"), p + "date: ", "not a YYYY-MM-DD date: '0000-01-01'")
    add("duplicate_date", sub("2025-01-03,2645.0,USD", "2025-01-02,2645.0,USD"), p + "date: ",
        "duplicate date 2025-01-02")
    add("invalid_date", sub("2025-01-03", "2025-02-30"), p + "date: ", "not a YYYY-MM-DD date: '2025-02-30'")
    add("us_date_format", sub("2025-01-03", "01/03/2025"), p + "date: ", "not a YYYY-MM-DD date: '01/03/2025'")
    add("unknown_currency", sub("2645.0,USD", "2645.0,EUR"), p + "currency: ", "unexpected currency 'EUR'")
    add("ragged_row", sub("2645.0,USD", "2645.0,USD,COMEX"), p + "body: ", "has 4 fields, expected 3")
    add("no_rows", b"date,price,currency\n", p + "body: ", "no prices under the header")
    add("unknown_endpoint", raw, "gold: field endpoint: ", "unknown endpoint 'lbma/gold_pm'",
        request={"endpoint": "lbma/gold_pm"})


# --------------------------------------------------------------------------- file drop (CSVs by hand)


def files(c: Corpus) -> None:
    drop = PAYLOADS / "files" / "drop"
    fsi = (drop / "ofr" / "fsi.csv").read_bytes()
    add = c.source("files", request={"endpoint": "files/ofr_fsi", "file": "ofr/fsi.csv"}, ext="csv")
    p = "files: series ofr_fsi: field "

    def fsi_sub(old: str, new: str) -> bytes:
        return replace_once(fsi, old.encode(), new.encode())

    add("fsi_truncated_mid_row", fsi[: fsi.index(b"2025-11-20") + 20], p + "body: ", "line 3 has 3 fields, expected 10")
    add("fsi_html_error_page", HTML, p + "body: ", "body is HTML/XML, not CSV")
    add("fsi_empty_file", b"", p + "body: ", "empty file (0 bytes)")
    add("fsi_non_utf8_byte", non_utf8(fsi, b"Emerging"), p + "body: ", "not UTF-8: byte 0xe9")
    add("fsi_header_drift", fsi_sub("Volatility,", "Vol,"), p + "Vol: ", "header drift: extra ['Vol']")
    add("fsi_columns_out_of_order", fsi_sub("Credit,Equity valuation", "Equity valuation,Credit"), p + "header: ",
        "columns out of order")
    add("fsi_value_dot", fsi_sub("-1.2,", ".,"), p + "OFR FSI: ", "line 3: not a number: '.'")
    add("fsi_value_nan", fsi_sub("-0.6,", "NaN,"), p + "Credit: ", "line 3: not a number: 'NaN'")
    add("fsi_duplicate_date", fsi_sub("2025-11-20", "2025-11-19"), p + "Date: ", "duplicate date 2025-11-19")
    add("fsi_future_date", fsi_sub("2025-11-21", "2025-12-01"), p + "Date: ",
        "line 4: 2025-12-01 is in the future (file dated 2025-11-21)")
    add("fsi_invalid_date", fsi_sub("2025-11-20", "2025-11-31"), p + "Date: ", "not a YYYY-MM-DD date: '2025-11-31'")

    sp = (drop / "sp500" / "constituents-financials_2025-06-30.csv").read_bytes()
    sreq = {"endpoint": "files/sp500_constituents", "as_of": "2025-06-30",
            "file": "sp500/constituents-financials_2025-06-30.csv"}
    spp = "files: series sp500 2025-06-30: field "

    def sp_sub(old: str, new: str) -> bytes:
        return replace_once(sp, old.encode(), new.encode())

    add("sp500_unknown_layout", sp_sub("Price/Book,SEC Filings", "Price/Book,SEC Filings,ESG Score"),
        spp + "header: ", "unknown snapshot layout", request=sreq, as_of="2025-06-30")
    add("sp500_duplicate_ticker", sp_sub("XOM,Exxon Mobil", "AAPL,Exxon Mobil"), spp + "Symbol: ",
        "ticker AAPL listed twice", request=sreq, as_of="2025-06-30")
    add("sp500_invalid_ticker", sp_sub("XOM,Exxon Mobil", "xom$,Exxon Mobil"), spp + "Symbol: ",
        "not a ticker: 'xom$'", request=sreq, as_of="2025-06-30")
    add("sp500_price_text", sp_sub("107.8,", "one hundred,"), spp + "price: ", "not a number: 'one hundred'",
        request=sreq, as_of="2025-06-30")
    add("sp500_row_too_long", sp_sub("ZTS,Zoetis,Pharmaceuticals", "ZTS,Zoetis,Pharmaceuticals" + ",1" * 14),
        spp + "body: ", "has 17 fields, the header 14", request=sreq, as_of="2025-06-30")
    add("sp500_bad_as_of_request", sp, "files: series sp500: field as_of: ", "malformed request (as_of)",
        request={**sreq, "as_of": "2025-06-31"}, as_of="2025-06-30")

    cpi = (drop / "fred" / "2026-01-05" / "CPIAUCSL.csv").read_bytes()
    freq = {"endpoint": "files/fred_graph_csv", "series_id": "CPIAUCSL", "as_of": "2026-01-05",
            "file": "2026-01-05/CPIAUCSL.csv", "later": [], "expected_rows": None}
    fp = "files: series CPIAUCSL: field "
    fred_kw = {"request": freq, "as_of": "2026-01-05", "via": "fred"}

    def cpi_sub(old: str, new: str) -> bytes:
        return replace_once(cpi, old.encode(), new.encode())

    add("fred_csv_other_series_header", cpi_sub("CPIAUCSL", "UNRATE"), fp + "header: ",
        "'observation_date,UNRATE' is not 'observation_date,CPIAUCSL'", **fred_kw)
    add("fred_csv_mixed_series", cpi_sub("observation_date,CPIAUCSL", "observation_date,CPIAUCSL,UNRATE"),
        fp + "header: ", "is not 'observation_date,CPIAUCSL'", **fred_kw)
    add("fred_csv_value_na", cpi_sub("324.245", "N/A"), fp + "CPIAUCSL: ", "line 3: not a number: 'N/A'", **fred_kw)
    add("fred_csv_duplicate_date", cpi_sub("2025-09-01", "2025-08-01"), fp + "observation_date: ",
        "duplicate observation date 2025-08-01", **fred_kw)
    add("fred_csv_byte_order_mark", b"\xef\xbb\xbf" + cpi, fp + "body: ", "byte-order mark", **fred_kw)
    add("fred_csv_rows_differ_from_manifest", cpi, fp + "body: ", "4 rows, but MANIFEST.csv says 7",
        **{**fred_kw, "request": {**freq, "expected_rows": 7}})
    add("fred_csv_spreadsheet_date", cpi_sub("2025-09-01", "9/1/2025"), fp + "observation_date: ",
        "not a YYYY-MM-DD date: '9/1/2025'", **fred_kw)

    gm = (drop / "gold" / "monthly.csv").read_bytes()
    gkw = {"request": {"endpoint": "files/gold_monthly", "file": "gold/monthly.csv"}, "via": "gold"}
    gp = "files: series gold monthly: field "
    add("gold_monthly_wrong_header", replace_once(gm, b"Date,Price", b"date,price,currency"), gp + "header: ",
        "is not 'Date,Price'", **gkw)
    add("gold_monthly_invalid_month", replace_once(gm, b"2025-09", b"2025-13"), gp + "Date: ",
        "not a YYYY-MM month: '2025-13'", **gkw)
    add("gold_monthly_duplicate_month", replace_once(gm, b"2025-09", b"2025-08"), gp + "Date: ",
        "duplicate month 2025-08", **gkw)
    add("gold_monthly_future_month", replace_once(gm, b"2025-10", b"2026-01"), gp + "Date: ",
        "2026-01-01 is in the future (fetched 2025-11-21)", **gkw)
    add("gold_monthly_year_zero", replace_once(gm, b"2025-08", b"0000-08"), gp + "Date: ",
        "not a YYYY-MM month: '0000-08'", **gkw)
    add("gold_monthly_negative_price", replace_once(gm, b"3665.500", b"-3665.500"), gp + "Price: ",
        "price -3665.5 is not positive", **gkw)


def build() -> Corpus:
    c = Corpus()
    for make in (fred, nyfed, ofr, sec_companyfacts, sec_bdc, holdings, gold, files):
        make(c)
    return c


def main(out: Path = HERE) -> None:
    c = build()
    for source in SOURCES:
        folder = out / source
        folder.mkdir(parents=True, exist_ok=True)
        keep = {Path(f).name for f in c.files if f.startswith(f"{source}/")}
        for stale in folder.iterdir():
            if stale.name not in keep:
                stale.unlink()
    for rel, content in c.files.items():
        (out / rel).write_bytes(content)
    (out / "cases.json").write_text(json.dumps(c.cases, indent=1, ensure_ascii=True) + "\n")
    counts = {s: sum(1 for k in c.cases if k["source"] == s) for s in SOURCES}
    print(f"{len(c.cases)} cases: {counts}", file=sys.stderr)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
