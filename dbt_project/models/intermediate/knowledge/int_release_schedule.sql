-- The release calendar of every FRED release, with the publication rule that maps a period to its
-- scheduled first release (the rule is documented in _fog.yml):
--   scheduled first release of a period = the first calendar date of the series' release that is on
--   or after period_end + publication_offset_days.
-- The default offset is +1 day: a period is published after it ends (H.15 publishes Monday's rate
-- on Tuesday, H.4.1 Wednesday's level on Thursday, CPI for September in October). The releases
-- below are exceptions, one line each.
with

calendar as (
    select
        release_id,
        release_name,
        scheduled_date
    from {{ ref('stg_fred__release_dates') }}
),

rules (release_id, publication_offset_days, rule_note) as (
    values
    (101, 0, 'the target range is set and published the same day'),
    (394, 0, 'interest on reserves is published for the same day'),
    (306, 0, 'reverse repo results are published the same afternoon'),
    (91, -10, 'the final survey reading is published in the last days of the survey month'),
    (194, -400, 'CBO projections are published in a January outlook a year or more before the period ends')
),

ordered as (
    select
        c.release_id,
        c.release_name,
        c.scheduled_date,
        lag(c.scheduled_date) over w as previous_scheduled_date,
        lead(c.scheduled_date) over w as next_scheduled_date,
        row_number() over w as release_seq
    from calendar as c
    window w as (partition by c.release_id order by c.scheduled_date)
)

select
    o.release_id,
    o.release_name,
    o.scheduled_date,
    o.previous_scheduled_date,
    o.next_scheduled_date,
    o.release_seq,
    coalesce(r.publication_offset_days, 1) as publication_offset_days,
    coalesce(r.rule_note, 'published after the period ends (default)') as rule_note
from ordered as o
left join rules as r using (release_id)
