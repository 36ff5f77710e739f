from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from monchai import stock
from monchai.models import Cuvee, StockMovement

pytestmark = pytest.mark.django_db


def post_movement(client: HttpClient, cuvee: Cuvee, kind: str, quantity: int):
    return client.post(
        reverse("stock:movement_create"),
        {"cuvee": cuvee.pk, "kind": kind, "quantity": quantity, "reason": "Vente au caveau"},
    )


def test_exit_larger_than_stock_is_refused_and_saves_nothing(
    logged_in: HttpClient, cuvee: Cuvee
) -> None:
    response = post_movement(logged_in, cuvee, "out", 101)

    cuvee.refresh_from_db()
    assert response.status_code == 200
    assert response.context["form"].errors["quantity"] == [
        "Stock insuffisant : il reste 100 bouteilles de Les Coteaux 2022."
    ]
    assert "Stock insuffisant : il reste 100 bouteilles de Les Coteaux 2022." in (
        response.content.decode()
    )
    assert cuvee.bottles_in_stock == 100
    assert not StockMovement.objects.exists()


def test_entry_increases_stock_and_is_logged(logged_in: HttpClient, cuvee: Cuvee, user) -> None:
    response = post_movement(logged_in, cuvee, "in", 60)

    cuvee.refresh_from_db()
    movement = StockMovement.objects.get()
    assert response.url == cuvee.get_absolute_url()
    assert cuvee.bottles_in_stock == 160
    assert (movement.kind, movement.quantity, movement.created_by) == ("in", 60, user)


def test_exit_of_the_whole_stock_empties_it(logged_in: HttpClient, cuvee: Cuvee) -> None:
    post_movement(logged_in, cuvee, "out", 100)

    cuvee.refresh_from_db()
    assert cuvee.bottles_in_stock == 0


def test_service_refuses_an_exit_on_stale_stock(cuvee: Cuvee) -> None:
    Cuvee.objects.filter(pk=cuvee.pk).update(bottles_in_stock=1)  # sold elsewhere meanwhile

    with pytest.raises(stock.InsufficientStock) as refused:
        stock.record_movement(cuvee, StockMovement.Kind.OUT, 2, "Vente")

    cuvee.refresh_from_db()
    assert refused.value.messages == [
        "Stock insuffisant : il reste 1 bouteille de Les Coteaux 2022."
    ]
    assert cuvee.bottles_in_stock == 1
    assert not StockMovement.objects.exists()


def test_insufficient_stock_message_elides_before_a_vowel(cuvee: Cuvee) -> None:
    cuvee.name = "Éclat de Grenache"

    assert stock.insufficient_stock_message(cuvee, 3) == (
        "Stock insuffisant : il reste 3 bouteilles d'Éclat de Grenache 2022."
    )


@pytest.mark.parametrize(("bottles", "low"), [(49, True), (50, False), (51, False)])
def test_low_stock_is_strictly_under_the_threshold(cuvee: Cuvee, bottles: int, low: bool) -> None:
    Cuvee.objects.filter(pk=cuvee.pk).update(bottles_in_stock=bottles)
    cuvee.refresh_from_db()

    assert cuvee.is_low_stock is low
    assert Cuvee.objects.low_stock().exists() is low


def test_stock_list_highlights_low_stock(logged_in: HttpClient, cuvee: Cuvee) -> None:
    Cuvee.objects.filter(pk=cuvee.pk).update(bottles_in_stock=3)

    content = logged_in.get(reverse("stock:list")).content.decode()

    assert 'class="low-stock"' in content
    assert "Stock bas" in content


def test_movement_form_preselects_the_cuvee_from_the_query(
    logged_in: HttpClient, cuvee: Cuvee
) -> None:
    response = logged_in.get(f"{reverse('stock:movement_create')}?cuvee={cuvee.pk}")

    assert response.context["form"]["cuvee"].value() == str(cuvee.pk)


def test_cuvee_edit_form_cannot_change_the_stock(logged_in: HttpClient, cuvee: Cuvee) -> None:
    logged_in.post(
        reverse("stock:cuvee_update", args=[cuvee.pk]),
        {
            "name": "Les Coteaux",
            "colour": "rouge",
            "vintage": "2022",
            "unit_price": "15.00",
            "low_stock_threshold": "40",
            "bottles_in_stock": "9999",
        },
    )

    cuvee.refresh_from_db()
    assert (cuvee.unit_price, cuvee.bottles_in_stock) == (15, 100)
