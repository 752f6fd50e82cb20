{#-
  Incremental models recompute only the days that new data can change.

  The dbt step passes `recompute_from` (FRAGILITY_RECOMPUTE_FROM, or --vars) (orchestration/planning.py, `plan`): the earliest day on
  which a raw row loaded since the last publish became known. An as-known row for day D uses only what
  was published by D, so rows before `recompute_from` cannot change and are kept. The revised view
  re-reads every vintage, so its rows (view_name = 'revised') are always recomputed. Without the
  variable (a plain `dbt build`) an incremental model recomputes every row: slower, never wrong.

  A model opts in with
      config(materialized='incremental', incremental_strategy='recompute', on_schema_change='fail')
  and ends its final select with {{ recompute_filter() }} (or {{ recompute_filter('and') }} after a
  where). Every such model has `as_of_date` and, before any `exclude`, `view_name` in scope.
-#}

{#- Read from the environment at execution time only (FRAGILITY_RECOMPUTE_FROM, set for this invocation by the dbt
    step through orchestration/dbt_client.py):
    a --vars value that changes every run would make dbt parse the whole project again each time. -#}
{% macro recompute_from() -%}
    {%- set day = var('recompute_from', none) or (env_var('FRAGILITY_RECOMPUTE_FROM', '') if execute else '') or none -%}
    {%- if day is not none and not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', day | string) -%}
        {{ exceptions.raise_compiler_error("recompute_from must be a date (YYYY-MM-DD), got " ~ day) }}
    {%- endif -%}
    {{ return(day) }}
{%- endmacro %}


{% macro recompute_condition(with_views=true) -%}
    (as_of_date >= cast('{{ recompute_from() }}' as date){% if with_views %} or view_name = 'revised'{% endif %})
{%- endmacro %}


{# The slice of the model's rows this run recomputes (nothing is filtered on a full build). #}
{% macro recompute_filter(keyword='where') -%}
    {%- if is_incremental() and recompute_from() is not none -%}
        {{ keyword }} {{ recompute_condition() }}
    {%- endif -%}
{%- endmacro %}


{# Custom strategy: delete exactly the recomputed slice, then insert it again (rows that a new
   build no longer produces disappear too, which delete+insert on a unique key would leave behind). #}
{% macro get_incremental_recompute_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set columns = arg_dict['dest_columns'] | map(attribute='quoted') | join(', ') -%}
    {%- set with_views = 'view_name' in arg_dict['dest_columns'] | map(attribute='name') | list -%}
    delete from {{ target }}{% if recompute_from() is not none %} where {{ recompute_condition(with_views) }}{% endif %};
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
