"""The load test of `make loadtest` (issue 18): Gunicorn and PostgreSQL
started here, residents, field agents and simulator users simulated with
Locust, faults injected under load, every acknowledged answer checked in the
database. See docs/guide/essai-de-charge.md and loadtest.runner."""
