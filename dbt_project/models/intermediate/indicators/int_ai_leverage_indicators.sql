-- Vulnerability loop "AI / Big Tech leverage", per view and day, over a fixed panel of hyperscalers
-- (var hyperscaler_panel): the panel's numbers exist only on days when every member has a current
-- trailing-twelve-month filing (its latest period ended at most `filing_stale_after_days` before), so the
-- ratios never change because a company dropped in or out.
--   capex_to_operating_cash_flow   panel capex / panel operating cash flow (TTM)
--   debt_funded_capex_share        sum over companies of max(net debt issuance, 0) / panel capex: each
--                                  company's own net issuance first, so one company's repayment does not
--                                  hide another's borrowing
--   net_debt_to_ebitda             (debt - cash) / EBITDA, panel totals
-- Scored as changes of the reading over the past 365 days (the reading as known a year earlier), because
-- capex and leverage trend: capex_to_ocf_change_12m, net_debt_to_ebitda_change_12m; the share is a level.
with

panel as (
    select unnest({{ var('hyperscaler_panel') }}) as ticker
),

days as (
    select * from {{ ref('int_view_days') }}
),

company_days as (
    select
        d.view_name,
        d.as_of_date,
        p.ticker,
        c.period_end,
        c.capex_ttm,
        c.operating_cash_flow_ttm,
        c.net_debt_issuance_ttm,
        c.ebitda_ttm,
        c.debt,
        c.cash,
        c.lease_liabilities
    from days as d
    cross join panel as p
    asof left join {{ ref('int_ai_leverage_company') }} as c
        on d.view_name = c.view_name and p.ticker = c.ticker and d.as_of_date >= c.known_at
),

panel_days as (
    select
        view_name,
        as_of_date,
        count(*) filter (
            where capex_ttm is not null and operating_cash_flow_ttm is not null
            and as_of_date - period_end <= {{ var('filing_stale_after_days') }}
        ) as companies_current,
        count(*) as panel_size,
        min(period_end) as oldest_period_end,
        sum(capex_ttm) as capex_ttm,
        sum(operating_cash_flow_ttm) as operating_cash_flow_ttm,
        sum(greatest(net_debt_issuance_ttm, 0)) as positive_net_issuance_ttm,
        sum(ebitda_ttm) as ebitda_ttm,
        sum(debt) as debt,
        sum(cash) as cash,
        sum(lease_liabilities) as lease_liabilities
    from company_days
    group by view_name, as_of_date
),

readings as (
    select
        view_name,
        as_of_date,
        companies_current,
        panel_size,
        oldest_period_end,
        as_of_date - oldest_period_end as filing_age_days,
        case when companies_current = panel_size then capex_ttm / nullif(operating_cash_flow_ttm, 0) end
            as capex_to_operating_cash_flow,
        case when companies_current = panel_size then positive_net_issuance_ttm / nullif(capex_ttm, 0) end
            as debt_funded_capex_share,
        case when companies_current = panel_size then (debt - cash) / nullif(ebitda_ttm, 0) end
            as net_debt_to_ebitda,
        case when companies_current = panel_size then lease_liabilities / 1e9 end as lease_liabilities_bn,
        case when companies_current = panel_size then capex_ttm / 1e9 end as capex_ttm_bn
    from panel_days
)

select
    r.*,
    r.capex_to_operating_cash_flow - y.capex_to_operating_cash_flow as capex_to_ocf_change_12m,
    r.net_debt_to_ebitda - y.net_debt_to_ebitda as net_debt_to_ebitda_change_12m
from readings as r
left join readings as y
    on r.view_name = y.view_name and y.as_of_date = r.as_of_date - 365
