"""The shared HTTP client against a real local server that misbehaves on cue (no httpx mocks)."""

from __future__ import annotations

import dataclasses
import logging
import random
import socket
import threading
import traceback
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from ingestion.errors import SourceError
from ingestion.http import FetchResult, HttpClient, HttpError, RateLimiter, redact_url
from tests.http_fault_server import (
    FaultServer,
    error,
    html_error_page,
    ok,
    redirect,
    reset,
    retry_after,
    slow,
    truncated,
)

SECRET = "s3cr3tKEY0123456789abcdef"
USER_AGENT = "Fragility Radar ops-contact@example.org"


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer() as srv:
        yield srv


class FakeClock:
    """A monotonic clock that only moves when something sleeps on it."""

    def __init__(self) -> None:
        self.t = 0.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


class MaxJitter(random.Random):
    """Full jitter that always draws the top of the range, to make backoff deterministic."""

    def uniform(self, a: float, b: float) -> float:
        return b


MakeClient = Callable[..., tuple[HttpClient, list[float]]]


@pytest.fixture
def make_client() -> Iterator[MakeClient]:
    """Build clients whose sleeps are recorded, not slept; all closed at teardown."""
    clients: list[HttpClient] = []

    def build(**kwargs) -> tuple[HttpClient, list[float]]:
        sleeps: list[float] = []
        kwargs.setdefault("sleep", sleeps.append)
        kwargs.setdefault("timeout", 5.0)
        clients.append(HttpClient(**kwargs))
        return clients[-1], sleeps

    yield build
    for client in clients:
        client.close()


# ---- recovery


def test_recovers_after_429_honouring_retry_after_seconds(server: FaultServer, make_client: MakeClient) -> None:
    server.routes["/x"] = [retry_after(7), ok(b"hello")]
    client, sleeps = make_client()
    result = client.get(server.url + "/x", source="test")
    assert result.content == b"hello"
    assert result.status == 200
    assert result.attempts == 2
    assert sleeps == [7.0]
    assert len(server.requests_to("/x")) == 2


def test_retry_after_http_date_and_cap(server: FaultServer, make_client: MakeClient) -> None:
    frozen = datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)
    server.routes["/date"] = [retry_after("Thu, 01 Jan 2026 00:00:12 GMT", status=503), ok()]
    server.routes["/long"] = [retry_after(3600), ok()]
    client, sleeps = make_client(now=lambda: frozen, backoff_max=30.0)
    assert client.get(server.url + "/date", source="test").attempts == 2
    assert client.get(server.url + "/long", source="test").attempts == 2
    assert sleeps == [12.0, 30.0]


def test_recovers_after_500_then_200_with_jittered_backoff(server: FaultServer, make_client: MakeClient) -> None:
    server.routes["/x"] = [error(500), ok(b"fine")]
    client, sleeps = make_client(backoff_base=0.5, rng=random.Random(42))
    result = client.get(server.url + "/x", source="test")
    assert (result.content, result.attempts) == (b"fine", 2)
    assert len(sleeps) == 1 and 0.0 <= sleeps[0] <= 0.5


def test_backoff_is_exponential_and_capped(server: FaultServer, make_client: MakeClient) -> None:
    server.routes["/x"] = [error(502), error(504), error(500), error(502), error(503), ok()]
    client, sleeps = make_client(backoff_base=0.5, backoff_max=3.0, rng=MaxJitter())
    assert client.get(server.url + "/x", source="test").attempts == 6
    assert sleeps == [0.5, 1.0, 2.0, 3.0, 3.0]


@pytest.mark.parametrize(
    "fault",
    [reset(), truncated(b"partial", missing=100), slow(1.0, b"late")],
    ids=["reset", "truncated", "slow-body-timeout"],
)
def test_recovers_after_transport_fault(server: FaultServer, fault, make_client: MakeClient) -> None:
    server.routes["/x"] = [fault, ok(b"complete")]
    client, sleeps = make_client(timeout=0.25)
    result = client.get(server.url + "/x", source="test")
    assert result.content == b"complete"
    assert result.attempts == 2
    assert len(sleeps) == 1


def test_connection_refused_is_retried_then_fails(make_client: MakeClient) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client, sleeps = make_client(max_retries=2)
    with pytest.raises(HttpError) as info:
        client.get(f"http://127.0.0.1:{port}/x", source="test")
    assert info.value.attempts == 3
    assert info.value.status is None
    assert "ConnectError" in str(info.value)
    assert len(sleeps) == 2


# ---- clean failures


def test_persistent_503_fails_after_max_retries_in_one_line(server: FaultServer, make_client: MakeClient) -> None:
    server.routes["/fred/series/observations"] = [error(503)]
    client, sleeps = make_client(max_retries=3)
    with pytest.raises(HttpError) as info:
        client.get(
            server.url + "/fred/series/observations",
            {"series_id": "SOFR"},
            source="fred",
            series="SOFR",
        )
    err = info.value
    message = str(err)
    assert isinstance(err, SourceError)
    assert "\n" not in message
    assert message.startswith("fred: series SOFR: HTTP 503 after 4 attempts (GET http://127.0.0.1:")
    assert message.endswith("/fred/series/observations?series_id=SOFR)")
    assert (err.source, err.series, err.status, err.attempts) == ("fred", "SOFR", 503, 4)
    assert len(sleeps) == 3
    assert len(server.requests) == 4


def test_404_fails_at_once(server: FaultServer, make_client: MakeClient) -> None:
    client, sleeps = make_client()
    with pytest.raises(HttpError) as info:
        client.get(server.url + "/missing", source="sec", series="0000320193")
    assert info.value.attempts == 1
    assert info.value.status == 404
    assert str(info.value).startswith("sec: series 0000320193: HTTP 404 after 1 attempt (GET ")
    assert sleeps == []
    assert len(server.requests) == 1


def test_redirect_is_followed(server: FaultServer, make_client: MakeClient) -> None:
    server.routes["/old"] = [redirect("/middle")]
    server.routes["/middle"] = [redirect(server.url + "/new", status=301)]
    server.routes["/new"] = [ok(b"moved")]
    client, _ = make_client()
    result = client.get(server.url + "/old", {"q": "1"}, source="test")
    assert result.content == b"moved"
    assert result.attempts == 1
    assert result.url_redacted == server.url + "/new"


def test_redirect_loop_fails_cleanly(server: FaultServer, make_client: MakeClient) -> None:
    server.routes["/loop"] = [redirect("/loop")]
    client, sleeps = make_client()
    with pytest.raises(HttpError) as info:
        client.get(server.url + "/loop", source="test")
    assert "redirect loop" in str(info.value)
    assert info.value.attempts == 1
    assert sleeps == []
    assert len(server.requests) == 1


def test_too_many_redirects_fails_cleanly(server: FaultServer, make_client: MakeClient) -> None:
    for i in range(4):
        server.routes[f"/r{i}"] = [redirect(f"/r{i + 1}")]
    server.routes["/r4"] = [ok()]
    client, _ = make_client(max_redirects=3)
    with pytest.raises(HttpError, match="more than 3 redirects"):
        client.get(server.url + "/r0", source="test")
    client, _ = make_client(max_redirects=4)
    assert client.get(server.url + "/r0", source="test").status == 200


def test_budget_stops_retrying_early(server: FaultServer, make_client: MakeClient) -> None:
    server.routes["/x"] = [error(500)]
    clock = FakeClock()
    client, _ = make_client(
        max_retries=50,
        backoff_base=1.0,
        backoff_max=4.0,
        budget_seconds=10.0,
        rng=MaxJitter(),
        sleep=clock.sleep,
        monotonic=clock.monotonic,
    )
    with pytest.raises(HttpError, match="budget of 10s exhausted") as info:
        client.get(server.url + "/x", source="test")
    assert clock.sleeps == [1.0, 2.0, 4.0]  # a further 4 s would pass the 10 s budget
    assert info.value.attempts == 4


def test_html_error_page_with_200_is_returned_for_the_parser_to_judge(
    server: FaultServer, make_client: MakeClient
) -> None:
    server.routes["/page"] = [html_error_page()]
    client, _ = make_client()
    result = client.get(server.url + "/page", source="test")
    assert result.status == 200
    assert result.headers["content-type"].startswith("text/html")
    assert result.content.startswith(b"<!DOCTYPE html>")


def test_fetch_result_shape(server: FaultServer, make_client: MakeClient) -> None:
    server.routes["/x"] = [ok(b"{}", headers={"X-Custom-Thing": "v", "Content-Type": "application/json"})]
    client, _ = make_client()
    result = client.get(server.url + "/x", source="test")
    assert isinstance(result, FetchResult)
    assert result.headers["x-custom-thing"] == "v"
    assert all(k == k.lower() for k in result.headers)
    assert result.fetched_at.tzinfo is not None and result.fetched_at.utcoffset().total_seconds() == 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.status = 500  # type: ignore[misc]


# ---- secrets


def test_api_key_never_leaks(server: FaultServer, caplog: pytest.LogCaptureFixture, make_client: MakeClient) -> None:
    caplog.set_level(logging.DEBUG)  # every logger, httpx and httpcore included
    server.routes["/ok"] = [error(500), ok(b"data")]
    server.routes["/bad"] = [error(500)]
    server.routes["/hop"] = [redirect(f"/ok?api_key={SECRET}")]
    client, _ = make_client(max_retries=2)
    params = {"api_key": SECRET, "series_id": "SOFR", "file_type": "json"}

    result = client.get(server.url + "/ok", params, source="fred", series="SOFR")
    assert result.url_redacted == server.url + "/ok?api_key=***&series_id=SOFR&file_type=json"
    assert server.requests[0].query["api_key"] == SECRET  # the key is really sent

    with pytest.raises(HttpError) as info:
        client.get(server.url + "/bad", params, source="fred", series="SOFR")
    err = info.value
    assert str(err) == (
        f"fred: series SOFR: HTTP 500 after 3 attempts (GET {server.url}/bad?api_key=***&series_id=SOFR&file_type=json)"
    )

    # a key inside the URL itself, or in a redirect's Location, is redacted too
    hopped = client.get(server.url + f"/hop?api_key={SECRET}", source="fred")
    assert hopped.url_redacted == server.url + "/ok?api_key=***"

    assert SECRET not in str(err) + repr(err) + err.url_redacted
    assert SECRET not in "".join(traceback.format_exception(err))
    assert caplog.records, "expected retry logs"
    for record in caplog.records:
        assert SECRET not in record.getMessage()
    assert SECRET not in caplog.text
    assert any(r.name == "fragility.http" for r in caplog.records)


def test_user_agent_is_sent_but_never_logged(
    server: FaultServer, caplog: pytest.LogCaptureFixture, make_client: MakeClient
) -> None:
    caplog.set_level(logging.DEBUG)
    server.routes["/x"] = [error(503), ok()]
    client, _ = make_client(user_agent=USER_AGENT)
    client.get(server.url + "/x", source="sec")
    assert [r.headers["user-agent"] for r in server.requests] == [USER_AGENT, USER_AGENT]
    assert caplog.records
    assert "ops-contact@example.org" not in caplog.text


def test_redact_url() -> None:
    assert redact_url("https://h/p?a=1&api_key=k&b=x%20y") == "https://h/p?a=1&api_key=***&b=x%20y"
    assert redact_url("https://h/p?token=t&a=1", ("token",)) == "https://h/p?token=***&a=1"
    assert redact_url("https://user:pw@h/p") == "https://user:***@h/p"
    assert redact_url("https://h/p") == "https://h/p"


# ---- rate limiting


def test_rate_limit_spaces_requests_to_a_host(server: FaultServer, make_client: MakeClient) -> None:
    server.routes["/x"] = [ok()]
    clock = FakeClock()
    client, _ = make_client(rate_limits={"127.0.0.1": 10}, sleep=clock.sleep, monotonic=clock.monotonic)
    sent_at = []
    for _ in range(6):
        client.get(server.url + "/x", source="sec")
        sent_at.append(clock.t)  # requests take no fake time, so this is when each was sent
    gaps = [b - a for a, b in zip(sent_at, sent_at[1:], strict=False)]
    assert len(server.requests) == 6
    assert all(gap >= 0.1 - 1e-9 for gap in gaps), gaps


def test_unlimited_host_is_not_delayed(server: FaultServer, make_client: MakeClient) -> None:
    server.routes["/x"] = [ok()]
    clock = FakeClock()
    client, _ = make_client(rate_limits={"www.sec.gov": 10}, sleep=clock.sleep, monotonic=clock.monotonic)
    for _ in range(5):
        client.get(server.url + "/x", source="test")
    assert clock.sleeps == []


def test_rate_limiter_is_thread_safe() -> None:
    waits: list[float] = []
    lock = threading.Lock()

    def record(seconds: float) -> None:
        with lock:
            waits.append(seconds)

    limiter = RateLimiter({"data.sec.gov": 10}, monotonic=lambda: 100.0, sleep=record)
    threads = [threading.Thread(target=limiter.acquire, args=("data.sec.gov",)) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 20 callers at the same instant get 20 distinct slots 0.1 s apart (the first waits 0)
    assert sorted(round(w, 6) for w in waits) == [round(0.1 * i, 6) for i in range(1, 20)]
