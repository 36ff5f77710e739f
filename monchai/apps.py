from __future__ import annotations

from django.apps import AppConfig


class MonchaiConfig(AppConfig):
    name = "monchai"
    verbose_name = "MonChai"
    default_auto_field = "django.db.models.BigAutoField"
