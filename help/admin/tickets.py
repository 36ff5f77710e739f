"""The admin of support tickets: what visitors sent when an answer was not enough, with the
conversation they had; staff read them and mark them answered or closed."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import linebreaksbr, truncatechars
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from help.admin.dashboard import ADMIN_MEDIA
from help.models import HelpTicket

# What a visitor sent stays as sent; staff change the status alone.
TICKET_FIELDS = (
    "created_at", "status", "email", "user", "path", "lang", "message", "conversation",
    "answer", "updated_at",
)  # fmt: skip


@admin.register(HelpTicket)
class HelpTicketAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "status", "short_message", "sender", "path", "lang"]
    list_display_links = ["id", "short_message"]
    list_filter = ["status", "lang", "created_at"]
    list_select_related = ["user"]
    search_fields = ["message", "email", "path"]
    date_hierarchy = "created_at"
    fields = TICKET_FIELDS
    readonly_fields = [name for name in TICKET_FIELDS if name != "status"]
    actions = ["mark_answered", "mark_closed"]

    class Media:
        css = ADMIN_MEDIA

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # tickets come from the widget

    @admin.display(description=_("message"))
    def short_message(self, ticket: HelpTicket) -> str:
        return truncatechars(ticket.message, 80)

    @admin.display(description=_("from"), ordering="email")
    def sender(self, ticket: HelpTicket) -> str:
        return ticket.email or (ticket.user.get_username() if ticket.user else "–")

    @admin.display(description=_("conversation"))
    def conversation(self, ticket: HelpTicket) -> SafeString | str:
        turns = [turn for turn in ticket.thread or [] if isinstance(turn, dict)]
        rows = format_html_join(
            "",
            "<dt>{}</dt><dd>{}</dd>",
            (
                (linebreaksbr(turn.get("question", "")), linebreaksbr(turn.get("answer", "")))
                for turn in turns
            ),
        )
        return format_html('<dl class="help-ticket-thread">{}</dl>', rows) if rows else "–"

    @admin.display(description=_("answer that was not enough"))
    def answer(self, ticket: HelpTicket) -> SafeString | str:
        if ticket.query_id is None:
            return "–"
        url = reverse("admin:help_helpquery_change", args=[ticket.query_id])
        return format_html('<a href="{}">{}</a>', url, str(ticket.query))

    @admin.action(description=_("Mark answered"), permissions=["change"])
    def mark_answered(self, request: HttpRequest, queryset: QuerySet[HelpTicket]) -> None:
        self._set_status(request, queryset, HelpTicket.Status.ANSWERED)

    @admin.action(description=_("Mark closed"), permissions=["change"])
    def mark_closed(self, request: HttpRequest, queryset: QuerySet[HelpTicket]) -> None:
        self._set_status(request, queryset, HelpTicket.Status.CLOSED)

    def _set_status(
        self, request: HttpRequest, queryset: QuerySet[HelpTicket], status: HelpTicket.Status
    ) -> None:
        chosen = list(queryset)
        for ticket in chosen:
            ticket.status = status
            ticket.save(update_fields=["status", "updated_at"])
            self.log_change(request, ticket, [{"changed": {"fields": ["status"]}}])
        count = len(chosen)
        self.message_user(
            request,
            ngettext(
                "Status “%(status)s” given to %(count)d ticket.",
                "Status “%(status)s” given to %(count)d tickets.",
                count,
            )
            % {"count": count, "status": status.label},
            messages.SUCCESS,
        )
