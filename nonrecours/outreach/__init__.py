"""Aller-vers: where the multi-service bus should go (priority index by
commune), its rotating calendar (stops, rules, solver), what is published
of it, and what each stop achieved (activity log, dashboard)."""
