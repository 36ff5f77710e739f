from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from monchai.models import Client, Cuvee, Quote, QuoteLine, StockMovement


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "email", "phone"]
    search_fields = ["name", "email", "city"]


@admin.register(Cuvee)
class CuveeAdmin(admin.ModelAdmin):
    list_display = ["name", "vintage", "colour", "bottles_in_stock", "low_stock_threshold"]
    list_filter = ["colour"]
    search_fields = ["name"]
    readonly_fields = ["bottles_in_stock"]


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    """Read-only: movements are recorded from the site, which keeps the stock consistent."""

    list_display = ["created_at", "cuvee", "kind", "quantity", "reason", "created_by"]
    list_filter = ["kind", "cuvee"]
    search_fields = ["reason", "cuvee__name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: StockMovement | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: StockMovement | None = None) -> bool:
        return False


class QuoteLineInline(admin.TabularInline):
    model = QuoteLine
    extra = 0
    autocomplete_fields = ["cuvee"]


@admin.register(Quote)
class QuoteAdmin(admin.ModelAdmin):
    list_display = ["number", "client", "status", "created_at", "valid_until"]
    list_filter = ["status"]
    search_fields = ["number", "client__name"]
    autocomplete_fields = ["client"]
    inlines = [QuoteLineInline]
