-- Vulnerability loop K shape, one row per day as known that day (formulas: fct_k_shape.yml).
{{ config(materialized='incremental', incremental_strategy='recompute', on_schema_change='fail') }}
{{ loop_mart('int_k_shape_indicators', 'k_shape', 'as_known', incremental=true) }}
