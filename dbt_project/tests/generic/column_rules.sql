{#-
  A model's column rules, all checked in one test: one scan for the row rules, one GROUP BY per key.

  dbt runs every data test as a node of its own, and a node costs 20-50 ms of dbt's Python (compile,
  connection, events) whatever its SQL costs: a test per column and rule (271 tests, 0.4 s of SQL) made
  `dbt build` about 5 s slower than this one test per model (docs/planning.md). The rules and their meaning
  are those of dbt's `not_null`, `unique` and `accepted_values` and of the project's former
  `unique_combination` and `value_between` tests:

    not_null:           [column, ...]              a NULL fails
    unique:             [column or expression, ...] a value on two or more rows fails (NULLs pass)
    unique_combination: [[column, ...], ...]        a combination on two or more rows fails
    accepted_values:    {column: [value, ...]}      a value not in the list fails (NULLs pass)
    between:            {column: [min, max]}        a value below min or above max fails (NULLs pass)

  It returns a row per broken rule: the rule and how many rows (for keys: how many values) break it;
  `failures` is their sum (dbt's own accepted_values counts distinct values, this counts rows). Run the
  compiled SQL (target/compiled/...) to see which rule broke; the Dagster check's description lists them.
-#}
{% test column_rules(model, not_null=[], unique=[], unique_combination=[], accepted_values={}, between={}) %}
{{ config(fail_calc="coalesce(sum(failing_rows), 0)") }}
{%- set row_rules = [] -%}
{%- for column in not_null -%}
    {%- do row_rules.append(("not_null(" ~ column ~ ")", column ~ " is null")) -%}
{%- endfor -%}
{%- for column, values in accepted_values.items() -%}
    {%- set listed = [] -%}
    {%- for value in values -%}{%- do listed.append("'" ~ (value | string | replace("'", "''")) ~ "'") -%}{%- endfor -%}
    {%- do row_rules.append(("accepted_values(" ~ column ~ ")", column ~ " not in (" ~ (listed | join(", ")) ~ ")")) -%}
{%- endfor -%}
{%- for column, bounds in between.items() -%}
    {%- do row_rules.append(("between(" ~ column ~ ", " ~ bounds[0] ~ ", " ~ bounds[1] ~ ")",
                             column ~ " < " ~ bounds[0] ~ " or " ~ column ~ " > " ~ bounds[1])) -%}
{%- endfor -%}
{%- set keys = [] -%}
{%- for key in unique -%}{%- do keys.append(("unique(" ~ key ~ ")", key, key ~ " is not null")) -%}{%- endfor -%}
{%- for columns in unique_combination -%}
    {%- do keys.append(("unique_combination(" ~ (columns | join(", ")) ~ ")", columns | join(", "), "true")) -%}
{%- endfor -%}
{%- set parts = [] -%}
{%- for rule, _ in row_rules -%}
    {%- do parts.append("select '" ~ (rule | replace("'", "''")) ~ "' as rule, rule_" ~ loop.index
                        ~ " as failing_rows from row_counts where rule_" ~ loop.index ~ " > 0") -%}
{%- endfor -%}
{%- for rule, key, kept in keys -%}
    {%- do parts.append("select '" ~ (rule | replace("'", "''")) ~ "' as rule, count(*) as failing_rows\nfrom (\n"
                        ~ "    select " ~ key ~ "\n    from " ~ model ~ "\n    where " ~ kept ~ "\n    group by " ~ key
                        ~ "\n    having count(*) > 1\n) as duplicated\nhaving count(*) > 0") -%}
{%- endfor %}
{% if row_rules %}
with row_counts as materialized (
    select
    {%- for _, failing in row_rules %}
        count(*) filter (where {{ failing }}) as rule_{{ loop.index }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{% endif -%}
{% if parts -%}
{{ parts | join("\nunion all\n") }}
{%- else -%}
select 'none' as rule, 0 as failing_rows where false
{%- endif %}
{% endtest %}
