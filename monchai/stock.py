"""Stock movements: the single place where a cuvée's stock changes."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from monchai.models import Cuvee, StockMovement

VOWELS = frozenset("aàâäeéèêëiîïoôöuùûüyœæ")


class InsufficientStock(ValidationError):
    def __init__(self, cuvee: Cuvee, available: int) -> None:
        super().__init__(insufficient_stock_message(cuvee, available), code="insufficient_stock")


def bottles(count: int) -> str:
    """'1 bouteille', '12 bouteilles' ('12 bottles') in the active language."""
    return ngettext("%(count)s bottle", "%(count)s bottles", count) % {"count": count}


def of_cuvee(cuvee: Cuvee) -> str:
    """'de Name' or, before a vowel, 'd'Name' ('of Name') in the active language."""
    name = str(cuvee)
    if name[:1].lower() in VOWELS:
        return pgettext("of a cuvée whose name starts with a vowel", "of %(name)s") % {"name": name}
    return pgettext("of a cuvée whose name starts with a consonant", "of %(name)s") % {"name": name}


def insufficient_stock_message(cuvee: Cuvee, available: int) -> str:
    return _("Not enough stock: %(bottles)s %(of_cuvee)s left.") % {
        "bottles": bottles(available),
        "of_cuvee": of_cuvee(cuvee),
    }


def check_available(cuvee: Cuvee, kind: str, quantity: int) -> None:
    """Raise InsufficientStock if an exit of `quantity` would take the stock below zero."""
    if kind == StockMovement.Kind.OUT and quantity > cuvee.bottles_in_stock:
        raise InsufficientStock(cuvee, cuvee.bottles_in_stock)


@transaction.atomic
def record_movement(
    cuvee: Cuvee,
    kind: str,
    quantity: int,
    reason: str,
    user: AbstractBaseUser | None = None,
) -> StockMovement:
    """Apply a movement to the stock and log it, or raise InsufficientStock and change nothing.

    The row is locked where the database supports it, and the conditional update keeps the
    stock from going negative even where it does not (SQLite).
    """
    locked = Cuvee.objects.select_for_update().get(pk=cuvee.pk)
    check_available(locked, kind, quantity)
    rows = Cuvee.objects.filter(pk=cuvee.pk)
    if kind == StockMovement.Kind.OUT:
        updated = rows.filter(bottles_in_stock__gte=quantity).update(
            bottles_in_stock=F("bottles_in_stock") - quantity
        )
        if not updated:
            locked.refresh_from_db(fields=["bottles_in_stock"])
            raise InsufficientStock(locked, locked.bottles_in_stock)
    else:
        rows.update(bottles_in_stock=F("bottles_in_stock") + quantity)
    cuvee.refresh_from_db(fields=["bottles_in_stock"])
    return StockMovement.objects.create(
        cuvee=cuvee,
        kind=kind,
        quantity=quantity,
        reason=reason,
        created_by=user if user is not None and user.is_authenticated else None,
    )
