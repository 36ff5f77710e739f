"""The admin: registrations, and the dashboard with its figures, chart and actions."""

from help.admin import curated, registrations, tickets  # noqa: F401  (register the models with the admin site)
