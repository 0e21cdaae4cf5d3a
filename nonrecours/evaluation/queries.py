"""The evaluation's reads, one topic module per part: chain_queries and
chain_funnel (the call-back chain and its funnel), followup_queries (take-up
after a simulation), report_queries and report (the yearly report), waves,
waves_did and waves_power (comparing waves), bundles_queries (territories
side by side)."""
