-- fct_policy_error with hindsight (latest vintages, first-release timing); no fog add-on.
{{ config(materialized='view', persist_docs={'relation': true, 'columns': target.name != 'lake'}) }}
{{ loop_mart('int_policy_error_indicators', 'policy_error', 'revised') }}
