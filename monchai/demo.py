"""Demo data for MonChai: a user, clients, cuvées, quotes and stock movements, all idempotent.

Phone numbers are in the ranges ARCEP reserves for fiction; e-mail domains use the
reserved .example top-level domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from monchai import stock
from monchai.models import Client, Cuvee, Quote, QuoteLine, StockMovement

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "monchai-demo"

CLIENTS = [
    (
        "Cave des Chartrons",
        "contact@cavedeschartrons.example",
        "05 36 49 12 40",
        "Bordeaux",
        "Caviste, commande surtout des rouges de garde.",
    ),
    (
        "Le Cellier de Beaune",
        "achats@cellierdebeaune.example",
        "03 53 01 22 18",
        "Beaune",
        "Caviste. Livraison le mardi.",
    ),
    (
        "Restaurant La Table d'Augustin",
        "chef@tabledaugustin.example",
        "04 65 71 30 05",
        "Lyon",
        "Carte des vins renouvelée chaque saison.",
    ),
    ("Brasserie du Port", "gerance@brasserieduport.example", "05 36 49 87 21", "La Rochelle", ""),
    (
        "Bistrot Les Halles",
        "bonjour@bistrotleshalles.example",
        "03 53 01 64 90",
        "Dijon",
        "Vins au verre : privilégier les formats 75 cl.",
    ),
    (
        "Le Relais des Vignes",
        "reception@relaisdesvignes.example",
        "03 53 01 41 77",
        "Pommard",
        "Hôtel-restaurant, clientèle touristique.",
    ),
    (
        "Épicerie fine Maison Girard",
        "maison.girard@epiceriegirard.example",
        "03 53 01 98 02",
        "Lille",
        "Coffrets de fin d'année.",
    ),
    (
        "Marie Dupont",
        "marie.dupont@courriel.example",
        "06 39 98 45 11",
        "Nantes",
        "Particulière, venue au caveau en juin.",
    ),
    (
        "Jean-Luc Moreau",
        "jl.moreau@courriel.example",
        "06 39 98 70 36",
        "Paris",
        "Particulier, amateur de vieux millésimes.",
    ),
    (
        "Les Amis du Vin de Tours",
        "bureau@amisduvintours.example",
        "02 61 91 55 63",
        "Tours",
        "Association de dégustation, commande groupée deux fois par an.",
    ),
]

# name, colour, vintage, unit price, low-stock threshold, bottled, sold
CUVEES = [
    ("Les Coteaux", Cuvee.Colour.RED, 2022, "14.50", 60, 300, 60),
    ("Les Coteaux", Cuvee.Colour.RED, 2023, "15.00", 60, 480, 60),
    ("Clos des Tilleuls", Cuvee.Colour.WHITE, 2023, "18.00", 50, 180, 145),
    ("Rosé de Printemps", Cuvee.Colour.ROSE, 2024, "9.80", 80, 360, 210),
    ("Vieilles Vignes", Cuvee.Colour.RED, 2020, "26.00", 30, 120, 108),
    ("Crémant Brut", Cuvee.Colour.SPARKLING, None, "12.50", 100, 420, 110),
    ("Cuvée Prestige", Cuvee.Colour.WHITE, 2021, "32.00", 24, 72, 24),
    ("Éclat de Grenache", Cuvee.Colour.ROSE, 2023, "11.00", 40, 96, 32),
]

# client, status, days ago, notes, lines as (cuvée name, vintage, quantity, unit price or None)
QUOTES = [
    (
        "Brasserie du Port",
        Quote.Status.REFUSED,
        50,
        "Proposition pour la carte d'été.",
        [("Rosé de Printemps", 2024, 48, "8.50")],
    ),
    (
        "Le Cellier de Beaune",
        Quote.Status.ACCEPTED,
        35,
        "Livraison en deux fois.",
        [("Les Coteaux", 2022, 120, "12.00"), ("Rosé de Printemps", 2024, 60, "8.20")],
    ),
    (
        "Restaurant La Table d'Augustin",
        Quote.Status.SENT,
        20,
        "",
        [("Vieilles Vignes", 2020, 36, None), ("Crémant Brut", None, 24, "10.90")],
    ),
    (
        "Marie Dupont",
        Quote.Status.SENT,
        8,
        "Retrait au caveau.",
        [("Crémant Brut", None, 12, None), ("Cuvée Prestige", 2021, 6, None)],
    ),
    (
        "Cave des Chartrons",
        Quote.Status.DRAFT,
        2,
        "Tarif professionnel.",
        [("Les Coteaux", 2023, 60, "12.00"), ("Clos des Tilleuls", 2023, 24, "15.00")],
    ),
]


@dataclass
class DemoSummary:
    user_created: bool
    clients_created: int
    cuvees_created: int
    quotes_created: int
    movements_created: int


@transaction.atomic
def load_demo_data() -> DemoSummary:
    user, user_created = ensure_demo_user()
    clients_created = sum(
        Client.objects.get_or_create(
            name=name,
            defaults={"email": email, "phone": phone, "city": city, "notes": notes},
        )[1]
        for name, email, phone, city, notes in CLIENTS
    )
    cuvees_created, movements_created = load_cuvees(user)
    return DemoSummary(
        user_created=user_created,
        clients_created=clients_created,
        cuvees_created=cuvees_created,
        quotes_created=load_quotes(),
        movements_created=movements_created,
    )


def ensure_demo_user() -> tuple[AbstractBaseUser, bool]:
    user, created = get_user_model().objects.get_or_create(
        username=DEMO_USERNAME, defaults={"email": "demo@monchai.example"}
    )
    if created or not user.check_password(DEMO_PASSWORD) or not user.is_superuser:
        user.set_password(DEMO_PASSWORD)
        user.is_staff = user.is_superuser = user.is_active = True
        user.save()
    return user, created


def load_cuvees(user: AbstractBaseUser) -> tuple[int, int]:
    """Create missing cuvées with their bottling and sales; existing ones are left alone."""
    cuvees_created = movements_created = 0
    for name, colour, vintage, price, threshold, bottled, sold in CUVEES:
        cuvee, created = Cuvee.objects.get_or_create(
            name=name,
            vintage=vintage,
            defaults={
                "colour": colour,
                "unit_price": Decimal(price),
                "low_stock_threshold": threshold,
            },
        )
        if not created:
            continue
        cuvees_created += 1
        movements = [(StockMovement.Kind.IN, bottled, "Mise en bouteille", 90)]
        if sold:
            movements.append((StockMovement.Kind.OUT, sold, "Ventes au caveau et livraisons", 10))
        for kind, quantity, reason, days_ago in movements:
            movement = stock.record_movement(cuvee, kind, quantity, reason, user)
            StockMovement.objects.filter(pk=movement.pk).update(
                created_at=timezone.now() - timedelta(days=days_ago)
            )
            movements_created += 1
    return cuvees_created, movements_created


def load_quotes() -> int:
    """Create the demo quotes under fixed numbers of the current year, once."""
    year = timezone.localdate().year
    created_count = 0
    for index, (client_name, status, days_ago, notes, lines) in enumerate(QUOTES, start=1):
        created_at = timezone.now() - timedelta(days=days_ago)
        quote, created = Quote.objects.get_or_create(
            number=f"D-{year}-{index:04d}",
            defaults={
                "client": Client.objects.get(name=client_name),
                "status": status,
                "created_at": created_at,
                "valid_until": created_at.date() + timedelta(days=30),
                "notes": notes,
            },
        )
        if not created:
            continue
        created_count += 1
        for cuvee_name, vintage, quantity, price in lines:
            cuvee = Cuvee.objects.get(name=cuvee_name, vintage=vintage)
            QuoteLine.objects.create(
                quote=quote,
                cuvee=cuvee,
                quantity=quantity,
                unit_price=Decimal(price) if price else cuvee.unit_price,
            )
    return created_count
