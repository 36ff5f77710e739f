"""The admin: registrations, and the dashboard with its figures, chart and actions."""

from help.admin import registrations  # noqa: F401  (registers the models with the admin site)
