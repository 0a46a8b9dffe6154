"""Timed work with APScheduler 3: job table (scheduler.jobs) and runner (scheduler.runner)."""
