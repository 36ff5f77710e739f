from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.auth.models import AbstractUser
from django.test import Client as HttpClient

from monchai.models import Client, Cuvee, Quote, QuoteLine


@pytest.fixture
def user(django_user_model: type[AbstractUser]) -> AbstractUser:
    return django_user_model.objects.create_user(username="vigneron", password="secret-pass")


@pytest.fixture
def logged_in(client: HttpClient, user: AbstractUser) -> HttpClient:
    client.force_login(user)
    return client


@pytest.fixture
def customer(db: None) -> Client:
    return Client.objects.create(
        name="Cave des Chartrons", email="cave@example.com", city="Bordeaux"
    )


@pytest.fixture
def cuvee(db: None) -> Cuvee:
    return Cuvee.objects.create(
        name="Les Coteaux",
        colour=Cuvee.Colour.RED,
        vintage=2022,
        bottles_in_stock=100,
        low_stock_threshold=50,
        unit_price=Decimal("14.50"),
    )


@pytest.fixture
def make_quote(customer: Client, cuvee: Cuvee) -> Callable[..., Quote]:
    def make(
        *lines: tuple[int, str], status: str = Quote.Status.DRAFT, vat_rate: str = "20.00"
    ) -> Quote:
        quote = Quote.objects.create(client=customer, status=status, vat_rate=Decimal(vat_rate))
        for quantity, price in lines or [(6, "14.50")]:
            QuoteLine.objects.create(
                quote=quote, cuvee=cuvee, quantity=quantity, unit_price=Decimal(price)
            )
        return quote

    return make
