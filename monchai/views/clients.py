from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django.views.generic import CreateView, DetailView, ListView, UpdateView

from monchai.forms import ClientForm
from monchai.models import Client


class ClientListView(LoginRequiredMixin, ListView):
    model = Client
    template_name = "monchai/clients/list.html"
    context_object_name = "clients"
    paginate_by = 20

    def get_queryset(self) -> QuerySet[Client]:
        clients = super().get_queryset()
        if query := self.request.GET.get("q", "").strip():
            clients = clients.filter(
                Q(name__icontains=query) | Q(email__icontains=query) | Q(city__icontains=query)
            )
        return clients

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(query=self.request.GET.get("q", "").strip(), **kwargs)


class ClientDetailView(LoginRequiredMixin, DetailView):
    model = Client
    template_name = "monchai/clients/detail.html"
    context_object_name = "client"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        quotes = self.object.quotes.prefetch_related("lines")
        return super().get_context_data(quotes=quotes, **kwargs)


class ClientCreateView(LoginRequiredMixin, SuccessMessageMixin, CreateView):
    model = Client
    form_class = ClientForm
    template_name = "monchai/clients/form.html"
    success_message = _("Client “%(name)s” was created.")


class ClientUpdateView(LoginRequiredMixin, SuccessMessageMixin, UpdateView):
    model = Client
    form_class = ClientForm
    template_name = "monchai/clients/form.html"
    context_object_name = "client"
    success_message = _("Client “%(name)s” was saved.")
