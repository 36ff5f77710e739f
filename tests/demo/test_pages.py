from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from monchai.models import Client, Cuvee, Quote

pytestmark = pytest.mark.django_db

PAGES = [
    ("dashboard", None),
    ("clients:list", None),
    ("clients:create", None),
    ("clients:detail", "customer"),
    ("clients:update", "customer"),
    ("quotes:list", None),
    ("quotes:create", None),
    ("quotes:detail", "quote"),
    ("quotes:update", "quote"),
    ("stock:list", None),
    ("stock:cuvee_create", None),
    ("stock:cuvee_detail", "cuvee"),
    ("stock:cuvee_update", "cuvee"),
    ("stock:movements", None),
    ("stock:movement_create", None),
]


@pytest.fixture
def objects(customer: Client, cuvee: Cuvee, make_quote: Callable[..., Quote]) -> dict[str, int]:
    return {"customer": customer.pk, "cuvee": cuvee.pk, "quote": make_quote().pk}


def page_url(name: str, obj: str | None, objects: dict[str, int]) -> str:
    return reverse(name, args=[objects[obj]] if obj else [])


@pytest.mark.parametrize(("name", "obj"), PAGES)
def test_page_renders_for_logged_in_user(
    logged_in: HttpClient, objects: dict[str, int], name: str, obj: str | None
) -> None:
    response = logged_in.get(page_url(name, obj, objects))

    assert response.status_code == 200


@pytest.mark.parametrize(("name", "obj"), [*PAGES, ("quotes:status", "quote")])
def test_page_redirects_anonymous_user_to_login(
    client: HttpClient, objects: dict[str, int], name: str, obj: str | None
) -> None:
    url = page_url(name, obj, objects)

    response = client.get(url)

    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_login_page_renders_for_anonymous_user(client: HttpClient) -> None:
    response = client.get(reverse("login"))

    fields = response.context["form"].fields
    assert response.status_code == 200
    assert (fields["username"].label, fields["password"].label) == (
        "Nom d'utilisateur",
        "Mot de passe",
    )
    assert "Se connecter" in response.content.decode()


def test_login_with_valid_credentials_leads_to_dashboard(client: HttpClient, user) -> None:
    response = client.post(
        reverse("login"), {"username": "vigneron", "password": "secret-pass"}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("dashboard")


def test_logout_is_a_post_that_returns_to_login(logged_in: HttpClient) -> None:
    response = logged_in.post(reverse("logout"))

    assert response.url == reverse("login")
    assert logged_in.get(reverse("dashboard")).status_code == 302


def test_current_section_is_marked_active_in_the_menu(logged_in: HttpClient) -> None:
    content = logged_in.get(reverse("stock:movements")).content.decode()

    assert f'<a href="{reverse("stock:list")}" class="active" aria-current="page">Stock</a>' in (
        content
    )
    assert 'aria-current="page">Clients' not in content


def test_dashboard_lists_low_stock_cuvees(logged_in: HttpClient, cuvee: Cuvee) -> None:
    Cuvee.objects.filter(pk=cuvee.pk).update(bottles_in_stock=10)

    response = logged_in.get(reverse("dashboard"))

    assert list(response.context["low_stock_cuvees"]) == [cuvee]
    assert "Stock bas" in response.content.decode()
