from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView

from monchai.forms import QuoteForm, QuoteLineFormSet
from monchai.models import Quote


class QuoteListView(LoginRequiredMixin, ListView):
    template_name = "monchai/quotes/list.html"
    context_object_name = "quotes"
    paginate_by = 20

    def get_status(self) -> str:
        status = self.request.GET.get("statut", "")
        return status if status in Quote.Status.values else ""

    def get_queryset(self) -> QuerySet[Quote]:
        quotes = Quote.objects.select_related("client").prefetch_related("lines")
        if status := self.get_status():
            quotes = quotes.filter(status=status)
        return quotes

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(
            statuses=Quote.Status.choices, current_status=self.get_status(), **kwargs
        )


class QuoteDetailView(LoginRequiredMixin, DetailView):
    template_name = "monchai/quotes/detail.html"
    context_object_name = "quote"
    queryset = Quote.objects.select_related("client").prefetch_related("lines__cuvee")


@login_required
def quote_create(request: HttpRequest) -> HttpResponse:
    initial = {"client": request.GET.get("client")}
    return _edit_quote(request, Quote(), initial, _("Quote %(number)s was created."))


@login_required
def quote_update(request: HttpRequest, pk: int) -> HttpResponse:
    quote = get_object_or_404(Quote, pk=pk)
    if not quote.is_editable:
        messages.warning(
            request,
            _("Quote %(number)s is %(status)s: it can no longer be edited.")
            % {"number": quote.number, "status": quote.get_status_display().lower()},
        )
        return redirect(quote)
    return _edit_quote(request, quote, {}, _("Quote %(number)s was saved."))


def _edit_quote(
    request: HttpRequest, quote: Quote, initial: dict[str, Any], success: str
) -> HttpResponse:
    data = request.POST if request.method == "POST" else None
    form = QuoteForm(data, instance=quote, initial=initial)
    formset = QuoteLineFormSet(data, instance=quote, prefix="lines")
    if data is not None and form.is_valid() and formset.is_valid():
        with transaction.atomic():
            quote = form.save()
            formset.instance = quote
            formset.save()
        messages.success(request, success % {"number": quote.number})
        return redirect(quote)
    return render(
        request, "monchai/quotes/form.html", {"form": form, "formset": formset, "quote": quote}
    )


@login_required
@require_POST
def quote_status(request: HttpRequest, pk: int) -> HttpResponse:
    quote = get_object_or_404(Quote, pk=pk)
    status = request.POST.get("status", "")
    if status in quote.next_statuses:
        quote.status = status
        quote.save(update_fields=["status"])
        messages.success(
            request,
            _("Quote %(number)s is now %(status)s.")
            % {"number": quote.number, "status": quote.get_status_display().lower()},
        )
    else:
        messages.error(
            request,
            _("Quote %(number)s cannot go from the “%(status)s” status to the one requested.")
            % {"number": quote.number, "status": quote.get_status_display()},
        )
    return redirect(quote)
