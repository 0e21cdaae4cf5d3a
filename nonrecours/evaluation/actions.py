"""The evaluation's writes, one topic module per part (each function typed,
keyword-only, named ``<entity>_<verb>``):

- chain_actions: the call-back chain, from a barometer call-back request to
  a right opened;
- followup_actions: follow-up of a simulation, with the person's consent;
- report_actions: what the yearly report needs entered by hand;
- bundles_actions: other territories' indicator bundles and the national
  reference figures.
"""
