from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import timezone

CENT = Decimal("0.01")


def default_valid_until() -> date:
    return timezone.localdate() + timedelta(days=30)


class Client(models.Model):
    name = models.CharField("nom", max_length=200)
    email = models.EmailField("e-mail", blank=True)
    phone = models.CharField("téléphone", max_length=30, blank=True)
    address = models.TextField("adresse", blank=True)
    city = models.CharField("ville", max_length=100, blank=True)
    notes = models.TextField("notes", blank=True)
    created_at = models.DateTimeField("créé le", default=timezone.now, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "client"
        verbose_name_plural = "clients"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("clients:detail", args=[self.pk])


class CuveeQuerySet(models.QuerySet):
    def low_stock(self) -> CuveeQuerySet:
        return self.filter(bottles_in_stock__lt=models.F("low_stock_threshold"))


class Cuvee(models.Model):
    class Colour(models.TextChoices):
        RED = "rouge", "Rouge"
        WHITE = "blanc", "Blanc"
        ROSE = "rose", "Rosé"
        SPARKLING = "effervescent", "Effervescent"

    name = models.CharField("nom", max_length=200)
    colour = models.CharField("couleur", max_length=20, choices=Colour.choices)
    vintage = models.PositiveSmallIntegerField(
        "millésime", null=True, blank=True, help_text="Laissez vide pour un vin non millésimé."
    )
    bottles_in_stock = models.PositiveIntegerField("bouteilles en stock", default=0)
    low_stock_threshold = models.PositiveIntegerField(
        "seuil d'alerte",
        default=50,
        help_text="Sous ce nombre de bouteilles, la cuvée est signalée « Stock bas ».",
    )
    unit_price = models.DecimalField(
        "prix unitaire HT",
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Prix public hors taxes d'une bouteille, en euros.",
    )

    objects = CuveeQuerySet.as_manager()

    class Meta:
        ordering = ["name", "-vintage"]
        verbose_name = "cuvée"
        verbose_name_plural = "cuvées"

    def __str__(self) -> str:
        return f"{self.name} {self.vintage}" if self.vintage else self.name

    def get_absolute_url(self) -> str:
        return reverse("stock:cuvee_detail", args=[self.pk])

    @property
    def is_low_stock(self) -> bool:
        return self.bottles_in_stock < self.low_stock_threshold


class StockMovement(models.Model):
    class Kind(models.TextChoices):
        IN = "in", "Entrée"
        OUT = "out", "Sortie"

    cuvee = models.ForeignKey(
        Cuvee, on_delete=models.PROTECT, related_name="movements", verbose_name="cuvée"
    )
    kind = models.CharField("type", max_length=3, choices=Kind.choices)
    quantity = models.PositiveIntegerField("quantité", validators=[MinValueValidator(1)])
    reason = models.CharField("motif", max_length=200)
    created_at = models.DateTimeField("date", default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        verbose_name="saisi par",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "mouvement de stock"
        verbose_name_plural = "mouvements de stock"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} de {self.quantity} × {self.cuvee}"

    @property
    def signed_quantity(self) -> int:
        return self.quantity if self.kind == self.Kind.IN else -self.quantity


class Quote(models.Model):
    class Status(models.TextChoices):
        DRAFT = "brouillon", "Brouillon"
        SENT = "envoye", "Envoyé"
        ACCEPTED = "accepte", "Accepté"
        REFUSED = "refuse", "Refusé"

    EDITABLE_STATUSES = frozenset({Status.DRAFT, Status.SENT})
    TRANSITIONS = {
        Status.DRAFT: (Status.SENT, Status.ACCEPTED, Status.REFUSED),
        Status.SENT: (Status.ACCEPTED, Status.REFUSED),
        Status.ACCEPTED: (),
        Status.REFUSED: (),
    }

    number = models.CharField("numéro", max_length=20, unique=True, editable=False)
    client = models.ForeignKey(
        Client, on_delete=models.PROTECT, related_name="quotes", verbose_name="client"
    )
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField("créé le", default=timezone.now, editable=False)
    valid_until = models.DateField("valable jusqu'au", default=default_valid_until)
    notes = models.TextField("notes", blank=True)
    vat_rate = models.DecimalField(
        "taux de TVA",
        max_digits=5,
        decimal_places=2,
        default=Decimal("20.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text="En pourcentage, par exemple 20,00.",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "devis"
        verbose_name_plural = "devis"

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
        Quote, on_delete=models.CASCADE, related_name="lines", verbose_name="devis"
    )
    cuvee = models.ForeignKey(
        Cuvee, on_delete=models.PROTECT, related_name="quote_lines", verbose_name="cuvée"
    )
    quantity = models.PositiveIntegerField("quantité", validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(
        "prix unitaire HT",
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = "ligne de devis"
        verbose_name_plural = "lignes de devis"

    def __str__(self) -> str:
        return f"{self.quantity} × {self.cuvee}"

    @property
    def total_ht(self) -> Decimal:
        return self.quantity * self.unit_price
