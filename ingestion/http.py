"""The one HTTP client every source uses: retries, backoff, per-host rate limits, redaction.

Plain Python on top of ``httpx`` (sync); nothing here knows about Dagster.

* Retries with exponential backoff and full jitter on 429, 500, 502, 503, 504, connection
  errors, timeouts, resets and truncated bodies; ``Retry-After`` (seconds or HTTP-date) is
  honoured on 429/503, capped at ``backoff_max``. Any other non-2xx status fails at once.
* Redirects are followed by hand, up to ``max_redirects``; a loop fails cleanly.
* Per-host rate limits (requests per second) are enforced across threads.
* Secret query parameters (``api_key`` by default) never reach an exception message, a log
  record or ``FetchResult.url_redacted``; the User-Agent (a contact address, as the SEC
  requires) is sent but never logged.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote_plus, urlsplit, urlunsplit

import httpx

from ingestion.errors import SourceError

__all__ = ["FetchResult", "HttpClient", "HttpError", "RateLimiter", "redact_url"]

logger = logging.getLogger("fragility.http")

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_AFTER_STATUSES = frozenset({429, 503})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_RETRYABLE_EXCEPTIONS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class FetchResult:
    """A successful (2xx) response, body fully read."""

    url_redacted: str  # final URL (after redirects), secret query params replaced by ***
    status: int
    content: bytes
    headers: dict[str, str]  # lower-case keys
    fetched_at: datetime  # UTC, tz-aware
    attempts: int


class HttpError(SourceError):
    """A request that failed for good: a non-retryable status, or retries/budget exhausted."""

    def __init__(
        self,
        source: str,
        message: str,
        *,
        series: str | None = None,
        status: int | None = None,
        attempts: int = 0,
        url_redacted: str = "",
    ) -> None:
        self.status = status
        self.attempts = attempts
        self.url_redacted = url_redacted
        super().__init__(source, message, series=series)


# --------------------------------------------------------------------------- redaction


def _split_query(query: str) -> list[tuple[str, str, str | None]]:
    """Raw ``k=v`` pieces as (raw piece, decoded name, raw value or None)."""
    out = []
    for piece in query.split("&"):
        if not piece:
            continue
        name, sep, value = piece.partition("=")
        out.append((piece, unquote_plus(name), value if sep else None))
    return out


def redact_url(url: str | httpx.URL, secret_params: Iterable[str] = ("api_key",)) -> str:
    """``url`` with the value of every query parameter named in ``secret_params`` set to ``***``.

    Other parameters keep their exact encoding; a password in the userinfo is hidden too.
    """
    secrets = {s.lower() for s in secret_params}
    parts = urlsplit(str(url))
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        if ":" in userinfo:
            netloc = f"{userinfo.split(':', 1)[0]}:***@{hostport}"
    pieces = []
    for raw, name, value in _split_query(parts.query):
        pieces.append(f"{raw.partition('=')[0]}=***" if name.lower() in secrets and value else raw)
    return urlunsplit((parts.scheme, netloc, parts.path, "&".join(pieces), parts.fragment))


def _secret_values(url: str | httpx.URL, secret_params: Iterable[str]) -> set[str]:
    """The raw and decoded values of the secret params in ``url`` (for scrubbing free text)."""
    secrets = {s.lower() for s in secret_params}
    parts = urlsplit(str(url))
    values: set[str] = set()
    for _, name, value in _split_query(parts.query):
        if name.lower() in secrets and value:
            values.update({value, unquote_plus(value)})
    if "@" in parts.netloc and parts.password:
        values.add(parts.password)
    return {v for v in values if v}


def _scrub(text: str, secret_values: Iterable[str]) -> str:
    """One line of ``text`` with every secret value replaced by ``***``."""
    for value in sorted(secret_values, key=len, reverse=True):
        text = text.replace(value, "***")
    return " ".join(text.split())


# httpx logs every request URL at INFO ("HTTP Request: GET https://...?api_key=...") and httpcore
# logs response headers at DEBUG (a Location header may carry the key), so their loggers get a
# filter that redacts the secret params of every client and hides every client's User-Agent.
_THIRD_PARTY_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)
_sensitive_lock = threading.Lock()
_secret_param_names: set[str] = set()
_hidden_literals: set[str] = set()
_secret_param_pattern: re.Pattern[str] | None = None


class _RedactThirdPartyFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        pattern, literals = _secret_param_pattern, tuple(_hidden_literals)
        if pattern is None and not literals:
            return True
        message = record.getMessage()
        redacted = pattern.sub(r"\1***", message) if pattern is not None else message
        for literal in literals:
            redacted = redacted.replace(literal, "***")
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


_third_party_filter = _RedactThirdPartyFilter()
for _name in _THIRD_PARTY_LOGGERS:
    logging.getLogger(_name).addFilter(_third_party_filter)


def _register_sensitive(param_names: Iterable[str], literals: Iterable[str]) -> None:
    global _secret_param_pattern
    with _sensitive_lock:
        _secret_param_names.update(n.lower() for n in param_names)
        _hidden_literals.update(lit for lit in literals if lit)
        if _secret_param_names:
            names = "|".join(re.escape(n) for n in sorted(_secret_param_names))
            _secret_param_pattern = re.compile(rf"(?i)(\b(?:{names})=)[^&\s'\"<>]+")


# --------------------------------------------------------------------------- rate limiting


class RateLimiter:
    """Per-host minimal interval (1 / rate) between request starts; thread-safe.

    Each caller reserves the next free slot under the lock, then sleeps outside it, so
    concurrent callers get distinct slots spaced at least ``1 / rate`` seconds apart.
    Hosts without a limit are never delayed.
    """

    def __init__(
        self,
        rates: Mapping[str, float] | None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._intervals: dict[str, float] = {}
        for host, rate in (rates or {}).items():
            if rate <= 0:
                raise ValueError(f"rate limit for {host} must be positive, got {rate}")
            self._intervals[host.lower()] = 1.0 / rate
        self._next_slot: dict[str, float] = {}
        self._lock = threading.Lock()
        self._monotonic = monotonic
        self._sleep = sleep

    def acquire(self, host: str) -> float:
        """Wait for ``host``'s next slot; returns the seconds waited."""
        host = host.lower()
        interval = self._intervals.get(host)
        if interval is None:
            return 0.0
        with self._lock:
            now = self._monotonic()
            slot = max(now, self._next_slot.get(host, now))
            self._next_slot[host] = slot + interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return max(wait, 0.0)


# --------------------------------------------------------------------------- the client


class _Retryable(Exception):
    """An attempt failed in a way worth retrying."""

    def __init__(self, reason: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


class _Fatal(Exception):
    """An attempt failed in a way that retrying will not fix."""

    def __init__(self, reason: str, *, status: int | None = None, url: httpx.URL | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.url = url


class HttpClient:
    """Sync GET client shared by every source. Use as a context manager or call ``close()``."""

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        max_retries: int = 5,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        rate_limits: Mapping[str, float] | None = None,
        user_agent: str | None = None,
        secret_params: tuple[str, ...] = ("api_key",),
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        max_redirects: int = 5,
        budget_seconds: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.secret_params = tuple(secret_params)
        self.max_redirects = max_redirects
        self.budget_seconds = budget_seconds
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._monotonic = monotonic
        self._now = now
        self._limiter = RateLimiter(rate_limits, monotonic=monotonic, sleep=sleep)
        _register_sensitive(self.secret_params, [user_agent] if user_agent else [])
        headers = {"User-Agent": user_agent} if user_agent else None
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, headers=headers)

    # -- lifecycle
    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- public API
    def get(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        *,
        source: str,
        series: str | None = None,
    ) -> FetchResult:
        """GET ``url`` (plus ``params``) with retries; raises :class:`HttpError` on failure."""
        try:
            target = httpx.URL(url)
            if params:
                target = target.copy_merge_params(params)
        except Exception as exc:  # an unparseable URL or bad params: fail before any request
            secrets = {str(v) for k, v in (params or {}).items() if k.lower() in self.secret_params}
            try:
                secrets |= _secret_values(url, self.secret_params)
                shown = redact_url(url, self.secret_params)
            except ValueError:
                shown = "<unparseable URL>"
            raise HttpError(
                source,
                f"invalid request: {_scrub(f'{type(exc).__name__}: {exc}', secrets)} (GET {shown})",
                series=series,
                url_redacted=shown,
            ) from None

        secrets = _secret_values(target, self.secret_params)
        url_redacted = redact_url(target, self.secret_params)
        label = source if series is None else f"{source}: series {series}"
        started = self._monotonic()
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._attempt(target, attempt, started, secrets)
            except _Fatal as fatal:
                where = redact_url(fatal.url or target, self.secret_params)
                raise HttpError(
                    source,
                    f"{_scrub(fatal.reason, secrets)} after {_n_attempts(attempt)} (GET {where})",
                    series=series,
                    status=fatal.status,
                    attempts=attempt,
                    url_redacted=where,
                ) from None
            except _Retryable as failure:
                reason = _scrub(failure.reason, secrets)
                if attempt > self.max_retries:
                    raise HttpError(
                        source,
                        f"{reason} after {_n_attempts(attempt)} (GET {url_redacted})",
                        series=series,
                        status=failure.status,
                        attempts=attempt,
                        url_redacted=url_redacted,
                    ) from None
                delay = self._delay(attempt, failure.retry_after)
                if self.budget_seconds is not None:
                    elapsed = self._monotonic() - started
                    if elapsed + delay > self.budget_seconds:
                        raise HttpError(
                            source,
                            f"{reason} after {_n_attempts(attempt)}, retry budget of "
                            f"{self.budget_seconds:g}s exhausted (GET {url_redacted})",
                            series=series,
                            status=failure.status,
                            attempts=attempt,
                            url_redacted=url_redacted,
                        ) from None
                logger.warning(
                    "%s: %s on attempt %d/%d, retrying in %.2fs (GET %s)",
                    label,
                    reason,
                    attempt,
                    self.max_retries + 1,
                    delay,
                    url_redacted,
                )
                self._sleep(delay)

    # -- internals
    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before attempt ``attempt + 1``."""
        if retry_after is not None:
            return min(retry_after, self.backoff_max)
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return self._rng.uniform(0.0, ceiling)

    def _timeout(self, started: float) -> float:
        if self.budget_seconds is None:
            return self.timeout
        remaining = self.budget_seconds - (self._monotonic() - started)
        if remaining <= 0:
            raise _Fatal(f"retry budget of {self.budget_seconds:g}s exhausted")
        return min(self.timeout, remaining)

    def _attempt(self, url: httpx.URL, attempt: int, started: float, secrets: set[str]) -> FetchResult:
        """One attempt: the request plus any redirects it leads to."""
        visited = {str(url)}
        hops = 0
        while True:
            response = self._send_once(url, started)
            status = response.status_code
            if status in REDIRECT_STATUSES and "location" in response.headers:
                hops += 1
                next_url = url.join(response.headers["location"])
                if str(next_url) in visited:
                    raise _Fatal(f"HTTP {status}: redirect loop", status=status, url=next_url)
                if hops > self.max_redirects:
                    raise _Fatal(f"HTTP {status}: more than {self.max_redirects} redirects", status=status, url=url)
                visited.add(str(next_url))
                url = next_url
                continue
            if 200 <= status < 300:
                return FetchResult(
                    url_redacted=redact_url(url, self.secret_params),
                    status=status,
                    content=response.content,
                    headers={k.lower(): v for k, v in response.headers.items()},
                    fetched_at=self._now().astimezone(UTC),
                    attempts=attempt,
                )
            if status in RETRYABLE_STATUSES:
                retry_after = None
                if status in RETRY_AFTER_STATUSES:
                    retry_after = self._parse_retry_after(response.headers.get("retry-after"))
                raise _Retryable(f"HTTP {status}", status=status, retry_after=retry_after)
            raise _Fatal(f"HTTP {status}", status=status, url=url)

    def _send_once(self, url: httpx.URL, started: float) -> httpx.Response:
        """Send one GET (after the host's rate-limit slot); body read and checked for truncation."""
        timeout = self._timeout(started)
        self._limiter.acquire(url.host)
        request = self._client.build_request("GET", url, timeout=timeout)
        try:
            response = self._client.send(request)
        except _RETRYABLE_EXCEPTIONS as exc:
            raise _Retryable(_describe(exc)) from None
        except httpx.HTTPError as exc:
            raise _Fatal(_describe(exc)) from None
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and "content-encoding" not in response.headers:
            received = len(response.content)
            if received < int(declared):
                raise _Retryable(f"truncated body ({received} of {declared} bytes)")
        return response

    def _parse_retry_after(self, value: str | None) -> float | None:
        if not value:
            return None
        value = value.strip()
        try:
            seconds = float(value)
        except ValueError:
            try:
                when = parsedate_to_datetime(value)
            except (TypeError, ValueError, IndexError):
                return None
            if when.tzinfo is None:
                when = when.replace(tzinfo=UTC)
            seconds = (when - self._now()).total_seconds()
        if seconds != seconds:  # NaN
            return None
        return max(0.0, seconds)


def _n_attempts(n: int) -> str:
    return f"{n} attempt" if n == 1 else f"{n} attempts"


def _describe(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
