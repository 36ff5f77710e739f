from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet, Sum
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from monchai import stock
from monchai.forms import CuveeForm, StockMovementForm
from monchai.models import Cuvee, StockMovement

RECENT_MOVEMENTS = 50


class CuveeListView(LoginRequiredMixin, ListView):
    model = Cuvee
    template_name = "monchai/stock/list.html"
    context_object_name = "cuvees"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        total = Cuvee.objects.aggregate(total=Sum("bottles_in_stock"))["total"] or 0
        return super().get_context_data(total_bottles=total, **kwargs)


class CuveeDetailView(LoginRequiredMixin, DetailView):
    model = Cuvee
    template_name = "monchai/stock/cuvee_detail.html"
    context_object_name = "cuvee"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        movements = self.object.movements.select_related("created_by")[:RECENT_MOVEMENTS]
        return super().get_context_data(
            movements=movements, recent_limit=RECENT_MOVEMENTS, **kwargs
        )


class CuveeCreateView(LoginRequiredMixin, SuccessMessageMixin, CreateView):
    model = Cuvee
    form_class = CuveeForm
    template_name = "monchai/stock/cuvee_form.html"
    success_message = gettext_lazy(
        "Cuvée “%(name)s” was created. To enter the bottles already in the cellar, "
        "record an entry with “New movement”."
    )


class CuveeUpdateView(LoginRequiredMixin, SuccessMessageMixin, UpdateView):
    model = Cuvee
    form_class = CuveeForm
    template_name = "monchai/stock/cuvee_form.html"
    context_object_name = "cuvee"
    success_message = gettext_lazy("Cuvée “%(name)s” was saved.")


class MovementListView(LoginRequiredMixin, ListView):
    template_name = "monchai/stock/movement_list.html"
    context_object_name = "movements"
    paginate_by = 30

    def get_queryset(self) -> QuerySet[StockMovement]:
        return StockMovement.objects.select_related("cuvee", "created_by")


class MovementCreateView(LoginRequiredMixin, CreateView):
    form_class = StockMovementForm
    template_name = "monchai/stock/movement_form.html"

    def get_initial(self) -> dict[str, Any]:
        cuvee = self.request.GET.get("cuvee", "")
        return {"cuvee": cuvee} if cuvee.isdigit() else {}

    def form_valid(self, form: StockMovementForm) -> HttpResponse:
        try:
            movement = form.save(user=self.request.user)
        except ValidationError as error:  # the stock changed since the form was checked
            form.add_error("quantity", error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("%(kind)s of %(bottles)s recorded. Stock %(of_cuvee)s: %(stock)s.")
            % {
                "kind": movement.get_kind_display(),
                "bottles": stock.bottles(movement.quantity),
                "of_cuvee": stock.of_cuvee(movement.cuvee),
                "stock": stock.bottles(movement.cuvee.bottles_in_stock),
            },
        )
        return redirect(movement.cuvee)
