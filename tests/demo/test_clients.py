from __future__ import annotations

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from monchai.models import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def customers(db: None) -> None:
    Client.objects.bulk_create(
        [
            Client(name="Bistrot Les Halles", email="bonjour@leshalles.example", city="Dijon"),
            Client(name="Marie Dupont", email="marie@courriel.example", city="Nantes"),
            Client(name="Le Cellier de Beaune", email="achats@cellier.example", city="Beaune"),
        ]
    )


def names(response) -> list[str]:
    return [client.name for client in response.context["clients"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dupont", ["Marie Dupont"]),
        ("CELLIER.example", ["Le Cellier de Beaune"]),
        ("dijon", ["Bistrot Les Halles"]),
        ("", ["Bistrot Les Halles", "Le Cellier de Beaune", "Marie Dupont"]),
        ("Bordeaux", []),
    ],
)
def test_search_matches_name_email_or_city(
    logged_in: HttpClient, customers: None, query: str, expected: list[str]
) -> None:
    response = logged_in.get(reverse("clients:list"), {"q": query})

    assert names(response) == expected


def test_list_shows_20_clients_per_page_and_keeps_the_search(logged_in: HttpClient) -> None:
    Client.objects.bulk_create(Client(name=f"Caviste {n:02d}", city="Reims") for n in range(25))

    first = logged_in.get(reverse("clients:list"), {"q": "reims"})
    second = logged_in.get(reverse("clients:list"), {"q": "reims", "page": 2})

    assert len(names(first)) == 20
    assert names(second) == [f"Caviste {n}" for n in range(20, 25)]
    assert "?q=reims&amp;page=2" in first.content.decode()


def test_new_client_is_created_and_shown(logged_in: HttpClient) -> None:
    response = logged_in.post(
        reverse("clients:create"),
        {"name": "Brasserie du Port", "email": "", "phone": "", "city": "La Rochelle"},
        follow=True,
    )

    client = Client.objects.get()
    assert response.redirect_chain == [(client.get_absolute_url(), 302)]
    assert "Brasserie du Port" in response.content.decode()


def test_client_without_a_name_is_refused_with_an_accessible_error(
    logged_in: HttpClient,
) -> None:
    response = logged_in.post(reverse("clients:create"), {"name": ""})

    content = response.content.decode()
    assert not Client.objects.exists()
    assert 'aria-invalid="true"' in content
    assert 'role="alert"' in content
