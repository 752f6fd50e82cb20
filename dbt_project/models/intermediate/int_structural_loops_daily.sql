-- The three loops fed by filings and holdings, carried to every day from the day they became
-- known: AI / Big Tech funding (set totals over the latest filing of each company), private-credit
-- mark dispersion (latest period whose filings are in) and index concentration (latest holdings).
with

days as (
    select
        v.view_name,
        d.as_of_date
    from {{ ref('int_calendar_days') }} as d
    cross join (values ('as_known'), ('revised')) as v (view_name)
),

tickers as (
    select distinct ticker from {{ ref('int_ai_leverage_company') }}
),

company_days as (
    select
        d.view_name,
        d.as_of_date,
        c.ticker,
        c.capex_ttm,
        c.operating_cash_flow_ttm,
        c.net_debt_issuance_ttm,
        c.ebitda_ttm,
        c.debt,
        c.cash,
        c.lease_liabilities
    from days as d
    cross join tickers as t
    asof inner join {{ ref('int_ai_leverage_company') }} as c
        on d.view_name = c.view_name and t.ticker = c.ticker and d.as_of_date >= c.known_at
),

ai_set as (
    select
        view_name,
        as_of_date,
        count(operating_cash_flow_ttm) as companies_reporting,
        sum(capex_ttm) as capex_ttm,
        sum(operating_cash_flow_ttm) as operating_cash_flow_ttm,
        sum(net_debt_issuance_ttm) as net_debt_issuance_ttm,
        sum(ebitda_ttm) as ebitda_ttm,
        sum(debt) as debt,
        sum(cash) as cash,
        sum(lease_liabilities) as lease_liabilities
    from company_days
    where capex_ttm is not null and operating_cash_flow_ttm is not null
    group by view_name, as_of_date
    -- set ratios need most of the set: a lone early filer is not "the set"
    having count(*) >= 4
),

credit as (
    select
        period_end,
        known_from,
        dispersion_index_pts,
        divergent_share,
        non_accrual_share
    from {{ ref('fct_private_credit_dispersion') }}
),

credit_views as (
    select 'as_known' as view_name, known_from as visible_from, * from credit
    union all
    select 'revised' as view_name, period_end as visible_from, * from credit
),

concentration as (
    select
        as_of_date,
        published_on,
        top10_weight,
        mag7_weight,
        ai_set_weight,
        hhi,
        effective_constituents
    from {{ ref('int_index_concentration') }}
    -- one source per date: the ETF holdings when both exist
    qualify row_number() over (partition by as_of_date order by weights_source = 'etf_holdings' desc) = 1
),

concentration_views as (
    select 'as_known' as view_name, published_on as visible_from, * from concentration
    union all
    select 'revised' as view_name, as_of_date as visible_from, * from concentration
)

select
    d.view_name,
    d.as_of_date,
    a.companies_reporting,
    a.capex_ttm / nullif(a.operating_cash_flow_ttm, 0) as capex_to_operating_cash_flow,
    greatest(a.net_debt_issuance_ttm, 0) / nullif(a.capex_ttm, 0) as debt_funded_capex_share,
    (a.debt - a.cash) / nullif(a.ebitda_ttm, 0) as net_debt_to_ebitda,
    a.lease_liabilities / 1e9 as lease_liabilities_bn,
    a.capex_ttm / 1e9 as capex_ttm_bn,
    c.period_end as credit_period_end,
    c.dispersion_index_pts,
    c.divergent_share,
    c.non_accrual_share,
    k.as_of_date as holdings_date,
    k.top10_weight,
    k.mag7_weight,
    k.ai_set_weight,
    k.hhi,
    k.effective_constituents
from days as d
left join ai_set as a using (view_name, as_of_date)
asof left join credit_views as c on d.view_name = c.view_name and d.as_of_date >= c.visible_from
asof left join concentration_views as k on d.view_name = k.view_name and d.as_of_date >= k.visible_from
