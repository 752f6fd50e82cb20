"""Sample emitter: month-end iShares Core S&P 500 ETF (IVV) holdings files, in BlackRock's CSV layout.

About 500 constituents at scale 1 (x10: thousands), last business day of every month 2015-01..2025-10
plus 2025-11-20. The story, close to the public record: the top-10 weight rises from about 18% to about
40% and the Magnificent 7 from about 11% to about 35%; GOOG and GOOGL are both held (one company),
Berkshire appears as BRKB, Facebook becomes META on 2022-06-09 and Tesla joins on 2020-12-21. The
fund's size follows the scenario's S&P 500 path. Names outside the top are fictional (tickers X....).
"""

from __future__ import annotations

import datetime as dt
import math
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ingestion import scenario as sc
from ingestion.scenario import Scenario

FUND = "IVV"
FUND_NAME = "iShares Core S&P 500 ETF"
META_RENAME = dt.date(2022, 6, 9)
TSLA_JOINS = dt.date(2020, 12, 21)
HEADER = ("Ticker,Name,Sector,Asset Class,Market Value,Weight (%),Notional Value,Quantity,Price,Location,Exchange,"
          "Currency,FX Rate,Market Currency,Accrual Date")
DISCLAIMER = ('"The content contained herein is owned or licensed by BlackRock and/or its third-party information '
              'providers and is protected by applicable copyrights, trademarks, service marks, and/or other '
              'intellectual property rights. Sample file emitted by the Fragility Radar generator."')

# (ticker, name, sector, exchange, price in 2015, weight % anchored at year ends (2025: October)).
NAMED: list[tuple[str, str, str, str, float, dict[int, float]]] = [
    ("AAPL", "APPLE INC", "Information Technology", "NASDAQ", 110.0,
     {2014: 3.5, 2015: 3.3, 2017: 3.8, 2019: 4.6, 2020: 6.7, 2021: 6.9, 2022: 6.0, 2023: 7.0, 2024: 7.6, 2025: 6.8}),
    ("MSFT", "MICROSOFT CORP", "Information Technology", "NASDAQ", 46.0,
     {2014: 2.1, 2015: 2.5, 2017: 2.9, 2019: 4.5, 2020: 5.3, 2021: 6.2, 2022: 5.6, 2023: 7.0, 2024: 6.3, 2025: 6.7}),
    ("NVDA", "NVIDIA CORP", "Information Technology", "NASDAQ", 20.0,
     {2014: 0.06, 2015: 0.1, 2017: 0.5, 2019: 0.6, 2020: 1.3, 2021: 2.3, 2022: 1.1, 2023: 3.0, 2024: 6.6, 2025: 8.0}),
    ("AMZN", "AMAZON COM INC", "Consumer Discretionary", "NASDAQ", 310.0,
     {2014: 0.8, 2015: 1.6, 2017: 2.0, 2019: 3.0, 2020: 4.4, 2021: 3.6, 2022: 2.3, 2023: 3.4, 2024: 4.1, 2025: 4.0}),
    ("GOOGL", "ALPHABET INC CLASS A", "Communication", "NASDAQ", 530.0,
     {2014: 0.9, 2015: 1.2, 2017: 1.4, 2019: 1.7, 2020: 1.9, 2021: 2.2, 2022: 1.7, 2023: 2.0, 2024: 2.1, 2025: 2.3}),
    ("GOOG", "ALPHABET INC CLASS C", "Communication", "NASDAQ", 525.0,
     {2014: 0.9, 2015: 1.1, 2017: 1.3, 2019: 1.5, 2020: 1.7, 2021: 2.0, 2022: 1.6, 2023: 1.8, 2024: 1.9, 2025: 2.1}),
    ("META", "META PLATFORMS INC CLASS A", "Communication", "NASDAQ", 78.0,
     {2014: 1.2, 2015: 1.4, 2017: 1.8, 2019: 1.8, 2020: 2.1, 2021: 2.1, 2022: 0.7, 2023: 1.9, 2024: 2.6, 2025: 2.9}),
    ("TSLA", "TESLA INC", "Consumer Discretionary", "NASDAQ", 14.0,
     {2020: 1.7, 2021: 2.2, 2022: 0.8, 2023: 1.7, 2024: 2.3, 2025: 2.2}),
    ("BRKB", "BERKSHIRE HATHAWAY INC CLASS B", "Financials", "New York Stock Exchange Inc.", 150.0,
     {2014: 1.5, 2015: 1.4, 2019: 1.7, 2021: 1.4, 2023: 1.7, 2025: 1.6}),
    ("AVGO", "BROADCOM INC", "Information Technology", "NASDAQ", 100.0,
     {2014: 0.3, 2015: 0.4, 2019: 0.5, 2021: 0.8, 2023: 1.3, 2024: 2.3, 2025: 2.6}),
    ("JPM", "JPMORGAN CHASE & CO", "Financials", "New York Stock Exchange Inc.", 62.0,
     {2014: 1.3, 2015: 1.3, 2019: 1.6, 2021: 1.3, 2023: 1.2, 2025: 1.5}),
    ("XOM", "EXXON MOBIL CORP", "Energy", "New York Stock Exchange Inc.", 92.0,
     {2014: 2.2, 2015: 1.8, 2019: 1.1, 2021: 0.7, 2023: 1.1, 2025: 0.8}),
    ("JNJ", "JOHNSON & JOHNSON", "Health Care", "New York Stock Exchange Inc.", 105.0,
     {2014: 1.6, 2015: 1.5, 2019: 1.4, 2021: 1.2, 2023: 0.9, 2025: 0.8}),
    ("GE", "GENERAL ELECTRIC", "Industrials", "New York Stock Exchange Inc.", 25.0,
     {2014: 1.4, 2015: 1.6, 2017: 0.8, 2019: 0.4, 2025: 0.5}),
    ("WFC", "WELLS FARGO", "Financials", "New York Stock Exchange Inc.", 54.0,
     {2014: 1.6, 2015: 1.4, 2019: 1.0, 2021: 0.5, 2025: 0.5}),
    ("LLY", "ELI LILLY", "Health Care", "New York Stock Exchange Inc.", 70.0,
     {2014: 0.4, 2015: 0.5, 2019: 0.5, 2021: 0.7, 2023: 1.3, 2025: 1.3}),
    ("V", "VISA INC CLASS A", "Financials", "New York Stock Exchange Inc.", 65.0,
     {2014: 0.8, 2015: 0.8, 2019: 1.2, 2021: 1.0, 2023: 1.0, 2025: 1.1}),
    ("PG", "PROCTER & GAMBLE", "Consumer Staples", "New York Stock Exchange Inc.", 90.0,
     {2014: 1.2, 2015: 1.1, 2019: 1.2, 2021: 1.0, 2025: 0.7}),
    ("ORCL", "ORACLE CORP", "Information Technology", "New York Stock Exchange Inc.", 44.0,
     {2014: 0.9, 2015: 0.8, 2019: 0.6, 2021: 0.5, 2023: 0.5, 2024: 0.7, 2025: 0.9}),
    ("FOXA", "FOX CORP CLASS A", "Communication", "NASDAQ", 33.0, {2014: 0.03, 2025: 0.03}),
    ("FOX", "FOX CORP CLASS B", "Communication", "NASDAQ", 32.0, {2014: 0.02, 2025: 0.02}),
    ("NWSA", "NEWS CORP CLASS A", "Communication", "NASDAQ", 15.0, {2014: 0.02, 2025: 0.02}),
    ("NWS", "NEWS CORP CLASS B", "Communication", "NASDAQ", 15.0, {2014: 0.01, 2025: 0.01}),
]
SECTORS = ["Information Technology", "Health Care", "Financials", "Industrials", "Consumer Discretionary",
           "Consumer Staples", "Energy", "Utilities", "Real Estate", "Materials", "Communication"]
WORDS_A = ["NORTHWIND", "BLUE RIVER", "SUMMIT", "PRAIRIE", "ATLAS", "HARBOR", "KEYSTONE", "PACIFIC", "EVERGREEN",
           "GRANITE", "LIBERTY", "MERIDIAN", "FRONTIER", "CARDINAL", "PIONEER", "COASTAL", "HERITAGE", "VALLEY",
           "STERLING", "CAPITOL", "REDWOOD", "CRESCENT", "IRONBRIDGE", "LAKESIDE", "MAPLE", "ORION", "PINNACLE",
           "QUANTUM", "RIVERBEND", "SILVERLINE"]
WORDS_B = ["INDUSTRIES", "HEALTH", "FINANCIAL", "ENERGY", "SYSTEMS", "FOODS", "UTILITIES", "REALTY", "MATERIALS",
           "TECHNOLOGIES", "BRANDS", "LOGISTICS", "PHARMACEUTICALS", "SEMICONDUCTOR", "INSURANCE", "RETAIL",
           "AEROSPACE", "CHEMICALS", "MEDIA", "BANCORP"]
FORMS = ["INC", "CORP", "CO", "PLC", "LTD", "HOLDINGS INC", "GROUP INC"]


def as_of_dates(end: dt.date = sc.END) -> list[dt.date]:
    """The last business day of every month from 2015-01, plus the day before ``end``."""
    out = []
    for first in sc.month_starts(sc.START, end):
        last = sc.add_months(first, 1) - dt.timedelta(1)
        while not sc.is_business_day(last):
            last -= dt.timedelta(1)
        if last < end:
            out.append(last)
    latest = end - dt.timedelta(1)
    while not sc.is_business_day(latest):
        latest -= dt.timedelta(1)
    if latest not in out:
        out.append(latest)
    return out


def _year_frac(day: dt.date) -> float:
    return day.year + (day.timetuple().tm_yday - 0.5) / 366.0


def _ticker(i: int) -> str:
    letters = []
    for _ in range(4):
        i, r = divmod(i, 26)
        letters.append(chr(65 + r))
    return "X" + "".join(reversed(letters))


@dataclass(frozen=True)
class Constituent:
    ticker: str
    name: str
    sector: str
    exchange: str
    price0: float


def tail(n: int) -> list[Constituent]:
    out = []
    combos = len(WORDS_A) * len(WORDS_B)
    for i in range(n):
        a, b = WORDS_A[i % len(WORDS_A)], WORDS_B[(i // len(WORDS_A) + i) % len(WORDS_B)]
        k = i // combos
        name = f"{a} {b}{' ' + str(k + 1) if k else ''} {FORMS[i % len(FORMS)]}"
        out.append(Constituent(_ticker(i), name, SECTORS[zlib.crc32(name.encode()) % len(SECTORS)],
                               "New York Stock Exchange Inc." if i % 3 else "NASDAQ", 20.0 + (i * 37) % 300))
    return out


def weights(s: Scenario, dates: list[dt.date], scale: int = 1) -> tuple[np.ndarray, np.ndarray, list[Constituent]]:
    """(named weights [date x named], tail weights [date x tail], tail constituents), in percent."""
    t = np.array([_year_frac(d) for d in dates])
    named = np.zeros((len(dates), len(NAMED)))
    rng = np.random.default_rng([s.seed, zlib.crc32(b"holdings:named")])
    for j, (ticker, *_rest, anchors) in enumerate(NAMED):
        xs = np.array([y + 1.0 if y < 2025 else 2025.83 for y in anchors])
        base = np.interp(t, xs, np.array(list(anchors.values())))
        walk = np.cumsum(rng.normal(0, 0.025, len(dates)))
        named[:, j] = base * np.exp(walk - np.interp(t, t[[0, -1]], walk[[0, -1]]))
        if ticker == "TSLA":
            named[:, j] = np.where(np.array(dates) >= TSLA_JOINS, named[:, j], 0.0)
    cash = 0.2
    n_tail = 500 * scale - (len(NAMED) - 3)  # GOOG, FOX and NWS are second share classes
    members = tail(n_tail)
    trng = np.random.default_rng([s.seed, zlib.crc32(f"holdings:tail:{scale}".encode())])
    size = np.minimum(trng.lognormal(0.0, 0.65, n_tail), 4.0)
    drift = np.cumsum(trng.normal(0, 0.03, (len(dates), n_tail)), axis=0)
    raw = size[None, :] * np.exp(drift)
    remaining = 100.0 - cash - named.sum(axis=1)
    tail_w = raw / raw.sum(axis=1, keepdims=True) * remaining[:, None] / scale ** 0  # the same share at any scale
    return named, tail_w, members


def _money(x: float) -> str:
    return f"{x:,.2f}"


def _fixed(ticker: str, name: str, sector: str, exchange: str) -> tuple[str, str]:
    """The text around a holding's numbers, which does not change from one file to the next."""
    return (f'"{ticker}","{name}","{sector}","Equity"',
            f'"United States","{exchange}","USD","1.00","USD","-"')


def holdings_csv(day: dt.date, named_w: np.ndarray, tail_w: np.ndarray, members: list[Constituent],
                 aum: float, index_ratio: float, tail_text: list[tuple[str, str]] | None = None,
                 weight_decimals: int = 2) -> bytes:
    lines = [FUND_NAME, f'Fund Holdings as of,"{day.strftime("%b %d, %Y")}"', 'Inception Date,"May 15, 2000"',
             f'Shares Outstanding,"{_money(aum / (200.0 * index_ratio))}"', 'Stock,"-"', 'Bond,"-"', 'Cash,"-"',
             'Other,"-"', "\u00a0", HEADER]
    rows: list[tuple[tuple[str, str], float, float]] = []  # (fixed text, price in 2015, weight)
    for (ticker, name, sector, exchange, price0, _), w in zip(NAMED, named_w, strict=True):
        if w <= 0:
            continue
        if ticker == "META" and day < META_RENAME:
            ticker, name = "FB", "FACEBOOK CLASS A INC"
        rows.append((_fixed(ticker, name, sector, exchange), price0, w))
    if tail_text is None:
        tail_text = [_fixed(m.ticker, m.name, m.sector, m.exchange) for m in members]
    rows.extend(zip(tail_text, (m.price0 for m in members), tail_w.tolist(), strict=True))
    rows.sort(key=lambda r: -r[2])
    for (prefix, suffix), price0, w in rows:
        mv = w / 100.0 * aum
        money = f"{mv:,.2f}"
        price = price0 * index_ratio
        lines.append(f'{prefix},"{money}","{w:.{weight_decimals}f}","{money}","{mv / price:,.2f}","{price:.2f}",'
                     f'{suffix}')
    mm = 0.15 / 100 * aum
    usd = 0.05 / 100 * aum
    contract = f"ES{'HMUZ'[((day.month - 1) // 3 + 1) % 4]}{(day.year + (day.month > 9)) % 10}"
    lines.append(f'"XTSLA","BLK CSH FND TREASURY SL AGENCY","Cash and/or Derivatives","Money Market","{_money(mm)}",'
                 f'"0.15","{_money(mm)}","{_money(mm)}","1.00","United States","-","USD","1.00","USD","-"')
    lines.append(f'"USD","USD CASH","Cash and/or Derivatives","Cash","{_money(usd)}","0.05","{_money(usd)}",'
                 f'"{_money(usd)}","100.00","United States","-","USD","1.00","USD","-"')
    lines.append(f'"{contract}","S&P500 EMINI","Cash and/or Derivatives","Futures","0.00","0.00",'
                 f'"{_money(0.002 * aum)}","{_money(0.002 * aum / 250000)}","{_money(5000 * index_ratio)}",'
                 f'"United States","Chicago Mercantile Exchange","USD","1.00","USD","-"')
    lines.extend(["\u00a0", DISCLAIMER])
    return ("\n".join(lines) + "\n").encode("utf-8")


@dataclass(frozen=True)
class SamplePayload:
    request: dict
    content: bytes
    published: dt.date


def emit(s: Scenario, scale: int = 1, end: dt.date = sc.END) -> Iterator[SamplePayload]:
    dates = as_of_dates(end)
    named, tail_w, members = weights(s, dates, scale)
    grid = tuple(sc.business_days())
    sp = s.path("sp500", grid)
    where = {d: i for i, d in enumerate(grid)}
    tail_text = [_fixed(m.ticker, m.name, m.sector, m.exchange) for m in members]
    # iShares prints weights to 2 decimals; with thousands of names (scale > 1) each tail weight is far below
    # 0.01% and would round to zero, so the scaled files carry more decimals (the parser takes any decimal).
    weight_decimals = 2 + 2 * math.ceil(math.log10(max(scale, 1)))
    for k, day in enumerate(dates):
        ratio = float(sp[where[max(x for x in grid[: where.get(day, len(grid) - 1) + 1] if x <= day)]] / sp[0])
        aum = 70e9 * ratio * 1.1 ** ((day - sc.START).days / 365.25)
        content = holdings_csv(day, named[k], tail_w[k], members, aum, ratio, tail_text, weight_decimals)
        yield SamplePayload({"endpoint": "ishares/holdings", "fund": FUND, "as_of": day.isoformat()}, content,
                            min(day + dt.timedelta(1 if day.weekday() < 4 else 3), end))
