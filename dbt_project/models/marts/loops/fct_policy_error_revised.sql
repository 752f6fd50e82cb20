-- fct_policy_error with hindsight (latest vintages, first-release timing); no fog add-on.
{{ config(materialized='view') }}
{{ loop_mart('int_policy_error_indicators', 'policy_error', 'revised') }}
