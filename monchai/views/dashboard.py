from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from monchai.models import Client, Cuvee, Quote


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    recent_quotes = Quote.objects.select_related("client").prefetch_related("lines")[:5]
    return render(
        request,
        "monchai/dashboard.html",
        {
            "client_count": Client.objects.count(),
            "quote_count": Quote.objects.count(),
            "cuvee_count": Cuvee.objects.count(),
            "recent_quotes": recent_quotes,
            "low_stock_cuvees": Cuvee.objects.low_stock().order_by("bottles_in_stock", "name"),
        },
    )
