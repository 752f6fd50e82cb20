-- Stress loop "credit": investment-grade and high-yield option-adjusted spreads (levels: spreads mean-revert,
-- they do not trend) and how fast high yield widened over three months. Both views, one row per day.
select
    view_name,
    as_of_date,
    bamlc0a0cm as ig_oas,
    bamlc0a0cm - bamlc0a0cm_3m_ago as ig_oas_3m_change,
    bamlh0a0hym2 as hy_oas,
    bamlh0a0hym2 - bamlh0a0hym2_3m_ago as hy_oas_3m_change
from {{ ref('int_inputs_daily_wide') }}
