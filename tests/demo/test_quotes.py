from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from monchai.models import Client, Cuvee, Quote

pytestmark = pytest.mark.django_db


def test_totals_are_computed_from_lines_and_vat_rate(make_quote: Callable[..., Quote]) -> None:
    quote = make_quote((12, "14.50"), (6, "9.99"))

    assert quote.total_ht == Decimal("233.94")
    assert quote.vat_amount == Decimal("46.79")  # 46.788
    assert quote.total_ttc == Decimal("280.73")


def test_vat_half_cent_is_rounded_up_not_to_even(make_quote: Callable[..., Quote]) -> None:
    quote = make_quote((1, "12.25"), vat_rate="10.00")  # VAT is exactly 1.225

    assert quote.vat_amount == Decimal("1.23")
    assert quote.total_ttc == Decimal("13.48")


def test_totals_have_no_binary_float_drift(make_quote: Callable[..., Quote]) -> None:
    quote = make_quote(*[(1, "0.10")] * 3, vat_rate="5.50")

    assert quote.total_ht == Decimal("0.30")
    assert quote.vat_amount == Decimal("0.02")  # 0.0165
    assert str(quote.total_ttc) == "0.32"


def test_quote_numbers_follow_each_other_within_the_year(customer: Client) -> None:
    year = timezone.localdate().year

    first = Quote.objects.create(client=customer)
    second = Quote.objects.create(client=customer)

    assert (first.number, second.number) == (f"D-{year}-0001", f"D-{year}-0002")


def test_new_quote_line_without_price_takes_the_cuvee_price(
    logged_in: HttpClient, customer: Client, cuvee: Cuvee
) -> None:
    response = logged_in.post(
        reverse("quotes:create"),
        {
            "client": customer.pk,
            "valid_until": "2030-01-31",
            "vat_rate": "20.00",
            "notes": "",
            "lines-TOTAL_FORMS": "2",
            "lines-INITIAL_FORMS": "0",
            "lines-0-cuvee": cuvee.pk,
            "lines-0-quantity": "24",
            "lines-0-unit_price": "",
            "lines-1-cuvee": "",
            "lines-1-quantity": "",
            "lines-1-unit_price": "",
        },
    )

    quote = Quote.objects.get()
    assert response.url == quote.get_absolute_url()
    assert quote.status == Quote.Status.DRAFT
    assert [(line.quantity, line.unit_price) for line in quote.lines.all()] == [
        (24, Decimal("14.50"))
    ]


def test_quote_without_any_line_is_refused(logged_in: HttpClient, customer: Client) -> None:
    response = logged_in.post(
        reverse("quotes:create"),
        {
            "client": customer.pk,
            "valid_until": "2030-01-31",
            "vat_rate": "20.00",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    assert "Ajoutez au moins une ligne au devis." in response.content.decode()
    assert not Quote.objects.exists()


def test_status_change_marks_the_quote_as_sent(
    logged_in: HttpClient, make_quote: Callable[..., Quote]
) -> None:
    quote = make_quote()

    response = logged_in.post(reverse("quotes:status", args=[quote.pk]), {"status": "envoye"})

    quote.refresh_from_db()
    assert response.url == quote.get_absolute_url()
    assert quote.status == Quote.Status.SENT


def test_accepted_quote_cannot_change_status_again(
    logged_in: HttpClient, make_quote: Callable[..., Quote]
) -> None:
    quote = make_quote(status=Quote.Status.ACCEPTED)

    logged_in.post(reverse("quotes:status", args=[quote.pk]), {"status": "brouillon"})

    quote.refresh_from_db()
    assert quote.status == Quote.Status.ACCEPTED


def test_status_change_refuses_get(logged_in: HttpClient, make_quote: Callable[..., Quote]) -> None:
    response = logged_in.get(reverse("quotes:status", args=[make_quote().pk]))

    assert response.status_code == 405


def test_detail_offers_the_next_statuses(
    logged_in: HttpClient, make_quote: Callable[..., Quote]
) -> None:
    content = logged_in.get(make_quote().get_absolute_url()).content.decode()

    for label in ("Modifier", "Marquer comme envoyé", "Marquer comme accepté", "Imprimer"):
        assert label in content


@pytest.mark.parametrize("status", [Quote.Status.ACCEPTED, Quote.Status.REFUSED])
def test_closed_quote_is_not_editable(
    logged_in: HttpClient, make_quote: Callable[..., Quote], status: str
) -> None:
    quote = make_quote(status=status)
    url = reverse("quotes:update", args=[quote.pk])

    get_response = logged_in.get(url, follow=True)
    post_response = logged_in.post(url, {"client": quote.client_id, "vat_rate": "5.50"})

    quote.refresh_from_db()
    assert get_response.redirect_chain == [(quote.get_absolute_url(), 302)]
    assert "n'est plus modifiable" in get_response.content.decode()
    assert post_response.url == quote.get_absolute_url()
    assert quote.vat_rate == Decimal("20.00")


def test_sent_quote_can_still_be_edited(
    logged_in: HttpClient, make_quote: Callable[..., Quote]
) -> None:
    quote = make_quote(status=Quote.Status.SENT)
    line = quote.lines.get()

    logged_in.post(
        reverse("quotes:update", args=[quote.pk]),
        {
            "client": quote.client_id,
            "valid_until": "2030-01-31",
            "vat_rate": "20.00",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "1",
            "lines-0-id": line.pk,
            "lines-0-quote": quote.pk,
            "lines-0-cuvee": line.cuvee_id,
            "lines-0-quantity": "48",
            "lines-0-unit_price": "13.00",
        },
    )

    line.refresh_from_db()
    assert (line.quantity, line.unit_price) == (48, Decimal("13.00"))
