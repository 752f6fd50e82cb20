-- Stress loop policy error, one row per day as known that day (formulas: fct_policy_error.yml).
{{ config(materialized='incremental', incremental_strategy='recompute', on_schema_change='fail') }}
{{ loop_mart('int_policy_error_indicators', 'policy_error', 'as_known', incremental=true) }}
