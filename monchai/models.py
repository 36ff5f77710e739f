from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")


def default_valid_until() -> date:
    return timezone.localdate() + timedelta(days=30)


class Client(models.Model):
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.TextField(_("address"), blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created on"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("clients:detail", args=[self.pk])


class CuveeQuerySet(models.QuerySet):
    def low_stock(self) -> CuveeQuerySet:
        return self.filter(bottles_in_stock__lt=models.F("low_stock_threshold"))


class Cuvee(models.Model):
    class Colour(models.TextChoices):
        RED = "rouge", _("Red")
        WHITE = "blanc", _("White")
        ROSE = "rose", _("Rosé")
        SPARKLING = "effervescent", _("Sparkling")

    name = models.CharField(_("name"), max_length=200)
    colour = models.CharField(_("colour"), max_length=20, choices=Colour.choices)
    vintage = models.PositiveSmallIntegerField(
        _("vintage"), null=True, blank=True, help_text=_("Leave empty for a non-vintage wine.")
    )
    bottles_in_stock = models.PositiveIntegerField(_("bottles in stock"), default=0)
    low_stock_threshold = models.PositiveIntegerField(
        _("alert threshold"),
        default=50,
        help_text=_("Below this number of bottles, the cuvée is flagged “Low stock”."),
    )
    unit_price = models.DecimalField(
        _("unit price excl. VAT"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Public price of one bottle excluding VAT, in euros."),
    )

    objects = CuveeQuerySet.as_manager()

    class Meta:
        ordering = ["name", "-vintage"]
        verbose_name = _("cuvée")
        verbose_name_plural = _("cuvées")

    def __str__(self) -> str:
        return f"{self.name} {self.vintage}" if self.vintage else self.name

    def get_absolute_url(self) -> str:
        return reverse("stock:cuvee_detail", args=[self.pk])

    @property
    def is_low_stock(self) -> bool:
        return self.bottles_in_stock < self.low_stock_threshold


class StockMovement(models.Model):
    class Kind(models.TextChoices):
        IN = "in", _("Entry")
        OUT = "out", _("Exit")

    cuvee = models.ForeignKey(
        Cuvee, on_delete=models.PROTECT, related_name="movements", verbose_name=_("cuvée")
    )
    kind = models.CharField(_("type"), max_length=3, choices=Kind.choices)
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    reason = models.CharField(_("reason"), max_length=200)
    created_at = models.DateTimeField(_("date"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        verbose_name=_("entered by"),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")

    def __str__(self) -> str:
        # Translators: a stock movement, e.g. "Entry of 12 × Les Coteaux 2022".
        return gettext("%(kind)s of %(quantity)s × %(cuvee)s") % {
            "kind": self.get_kind_display(),
            "quantity": self.quantity,
            "cuvee": self.cuvee,
        }

    @property
    def signed_quantity(self) -> int:
        return self.quantity if self.kind == self.Kind.IN else -self.quantity


class Quote(models.Model):
    class Status(models.TextChoices):
        DRAFT = "brouillon", _("Draft")
        SENT = "envoye", _("Sent")
        ACCEPTED = "accepte", _("Accepted")
        REFUSED = "refuse", _("Refused")

    EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.SENT})
    TRANSITIONS = {
        Status.DRAFT: (Status.SENT, Status.ACCEPTED, Status.REFUSED),
        Status.SENT: (Status.ACCEPTED, Status.REFUSED),
        Status.ACCEPTED: (),
        Status.REFUSED: (),
    }

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="quotes", verbose_name=_("client")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(_("created on"), default=timezone.now, editable=False)
    valid_until = models.DateField(_("valid until"), default=default_valid_until)
    notes = models.TextField(_("notes"), blank=True)
    vat_rate = models.DecimalField(
        _("VAT rate"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("20.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("As a percentage, for example 20.00."),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs) -> None:
        if not self.number:
            self.number = next_quote_number(timezone.localdate().year)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("quotes:detail", args=[self.pk])

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE_STATUSES

    @property
    def next_statuses(self) -> tuple[Quote.Status, ...]:
        return self.TRANSITIONS[self.Status(self.status)]

    @property
    def total_ht(self) -> Decimal:
        return sum((line.total_ht for line in self.lines.all()), Decimal("0.00"))

    @property
    def vat_amount(self) -> Decimal:
        return (self.total_ht * self.vat_rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def total_ttc(self) -> Decimal:
        return self.total_ht + self.vat_amount


def next_quote_number(year: int) -> str:
    prefix = f"D-{year}-"
    last = (
        Quote.objects.filter(number__startswith=prefix)
        .order_by(Length("number").desc(), "-number")
        .values_list("number", flat=True)
        .first()
    )
    sequence = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


class QuoteLine(models.Model):
    quote = models.ForeignKey(
        Quote, on_delete=models.CASCADE, related_name="lines", verbose_name=_("quote")
    )
    cuvee = models.ForeignKey(
        Cuvee, on_delete=models.PROTECT, related_name="quote_lines", verbose_name=_("cuvée")
    )
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(
        _("unit price excl. VAT"),
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("quote line")
        verbose_name_plural = _("quote lines")

    def __str__(self) -> str:
        return f"{self.quantity} × {self.cuvee}"

    @property
    def total_ht(self) -> Decimal:
        return self.quantity * self.unit_price
