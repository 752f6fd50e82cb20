-- AI / Big Tech funding per company and state of knowledge. SEC flows are reported year-to-date
-- from the fiscal year start, so trailing-twelve-month (TTM) flows are
--   TTM = YTD(latest period) + FY(previous fiscal year) - YTD(same period a year earlier),
-- or the fiscal year itself when the latest period is a year end. Stocks (debt, cash, leases) are
-- the latest instant. as_known: a snapshot at every filing date using the newest filing of each
-- fact filed by then (restatements count from their filing date). revised: the final values of every
-- period, from the day the period was first filed.
--
-- Several us-gaap tags can report one metric (capex as PaymentsToAcquirePropertyPlantAndEquipment or
-- PaymentsToAcquireProductiveAssets). The tag is chosen in an explicit fallback order, per company,
-- period and filing: the first tag of the list the filing reports, never the larger of two.
with

tag_order (concept, tag_rank) as (
    values
    ('PaymentsToAcquirePropertyPlantAndEquipment', 1),
    ('PaymentsToAcquireProductiveAssets', 2),
    ('NetCashProvidedByUsedInOperatingActivities', 1),
    ('LongTermDebt', 1),
    ('LongTermDebtNoncurrent', 1),
    ('LongTermDebtCurrent', 1),
    ('ProceedsFromIssuanceOfLongTermDebt', 1),
    ('RepaymentsOfLongTermDebt', 1),
    ('OperatingLeaseLiability', 1),
    ('FinanceLeaseLiability', 1),
    ('CashAndCashEquivalentsAtCarryingValue', 1),
    ('OperatingIncomeLoss', 1),
    ('DepreciationDepletionAndAmortization', 1),
    ('DepreciationAndAmortization', 2),
    ('DepreciationAmortizationAndAccretionNet', 3)
),

facts as (
    select
        f.ticker,
        f.metric,
        f.period_start,
        f.period_end,
        f.duration_days,
        f.filed,
        f.concept,
        f.value
    from {{ ref('stg_sec__companyfacts') }} as f
    inner join tag_order as t using (concept)
    qualify row_number() over (
            partition by f.ticker, f.metric, f.period_start, f.period_end, f.duration_days, f.filed
            order by t.tag_rank asc, f.accession desc
        ) = 1
),

-- the day each period was first filed (revised: a period counts from its first filing)
first_filed as (
    select
        ticker,
        period_end,
        min(filed) as first_filed
    from facts
    group by ticker, period_end
),

events as (
    select distinct
        'as_known' as view_name,
        ticker,
        filed as known_at
    from facts
    union all
    select distinct
        'revised' as view_name,
        f.ticker,
        p.first_filed as known_at
    from facts as f
    inner join first_filed as p using (ticker, period_end)
    where f.duration_days > 0
),

snapshot as (
    select
        e.view_name,
        e.ticker,
        e.known_at,
        f.metric,
        f.period_start,
        f.period_end,
        f.duration_days,
        f.value
    from events as e
    inner join facts as f on e.ticker = f.ticker
    inner join first_filed as p on f.ticker = p.ticker and f.period_end = p.period_end
    where
        (e.view_name = 'as_known' and e.known_at >= f.filed)
        or (e.view_name = 'revised' and e.known_at >= p.first_filed)
    qualify row_number() over (
            partition by e.view_name, e.ticker, e.known_at, f.metric, f.period_start, f.period_end
            order by f.filed desc
        ) = 1
),

heads as (
    select
        view_name,
        ticker,
        known_at,
        max(period_end) filter (where duration_days > 0 and metric = 'capex') as period_end
    from snapshot
    group by all
),

flows as (
    select
        h.view_name,
        h.ticker,
        h.known_at,
        h.period_end,
        s.metric,
        arg_max(s.value, s.duration_days) as ytd,
        max(s.duration_days) as ytd_days,
        arg_max(s.period_start, s.duration_days) as fy_start
    from heads as h
    inner join snapshot as s
        on
            h.view_name = s.view_name and h.ticker = s.ticker and h.known_at = s.known_at
            and h.period_end = s.period_end and s.duration_days > 0
    group by all
),

ttm as (
    select
        f.*,
        case
            when f.ytd_days >= 350 then f.ytd
            else f.ytd + prev_fy.value - prev_ytd.value
        end as ttm_value
    from flows as f
    left join snapshot as prev_fy
        on
            f.view_name = prev_fy.view_name and f.ticker = prev_fy.ticker and f.known_at = prev_fy.known_at
            and f.metric = prev_fy.metric and prev_fy.duration_days >= 350
            and prev_fy.period_end between f.fy_start - 7 and f.fy_start
    left join snapshot as prev_ytd
        on
            f.view_name = prev_ytd.view_name and f.ticker = prev_ytd.ticker and f.known_at = prev_ytd.known_at
            and f.metric = prev_ytd.metric
            and prev_ytd.period_end between f.period_end - 372 and f.period_end - 358
            and abs(prev_ytd.duration_days - f.ytd_days) <= 7
),

stocks as (
    select
        h.view_name,
        h.ticker,
        h.known_at,
        s.metric,
        arg_max(s.value, s.period_end) as value
    from heads as h
    inner join snapshot as s
        on
            h.view_name = s.view_name and h.ticker = s.ticker and h.known_at = s.known_at
            and s.duration_days = 0 and h.period_end >= s.period_end
    group by all
),

pivoted as (
    select
        h.view_name,
        h.ticker,
        h.known_at,
        h.period_end,
        max(t.ttm_value) filter (where t.metric = 'capex') as capex_ttm,
        max(t.ttm_value) filter (where t.metric = 'operating_cash_flow') as operating_cash_flow_ttm,
        max(t.ttm_value) filter (where t.metric = 'debt_issued') as debt_issued_ttm,
        max(t.ttm_value) filter (where t.metric = 'debt_repaid') as debt_repaid_ttm,
        max(t.ttm_value) filter (where t.metric = 'operating_income') as operating_income_ttm,
        max(t.ttm_value) filter (where t.metric = 'depreciation_amortization') as depreciation_ttm
    from heads as h
    left join ttm as t using (view_name, ticker, known_at)
    where h.period_end is not null
    group by all
),

balance as (
    select
        view_name,
        ticker,
        known_at,
        max(value) filter (where metric = 'long_term_debt') as long_term_debt,
        max(value) filter (where metric = 'long_term_debt_noncurrent') as long_term_debt_noncurrent,
        max(value) filter (where metric = 'long_term_debt_current') as long_term_debt_current,
        max(value) filter (where metric = 'cash') as cash,
        max(value) filter (where metric = 'operating_lease_liability') as operating_lease_liability,
        max(value) filter (where metric = 'finance_lease_liability') as finance_lease_liability
    from stocks
    group by all
)

select
    p.view_name,
    p.ticker,
    p.known_at,
    p.period_end,
    p.capex_ttm,
    p.operating_cash_flow_ttm,
    coalesce(p.debt_issued_ttm, 0) - coalesce(p.debt_repaid_ttm, 0) as net_debt_issuance_ttm,
    p.operating_income_ttm + coalesce(p.depreciation_ttm, 0) as ebitda_ttm,
    coalesce(b.long_term_debt, coalesce(b.long_term_debt_noncurrent, 0) + coalesce(b.long_term_debt_current, 0))
        as debt,
    b.cash,
    coalesce(b.operating_lease_liability, 0) + coalesce(b.finance_lease_liability, 0) as lease_liabilities
from pivoted as p
left join balance as b using (view_name, ticker, known_at)
