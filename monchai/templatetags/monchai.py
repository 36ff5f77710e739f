from __future__ import annotations

from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def euros(value: Decimal | int | None) -> str:
    """12345.5 -> '12 345,50 €' in French (grouped, two decimals, non-breaking space)."""
    if value is None or value == "":
        return ""
    return f"{floatformat(value, '2g')}\u00a0€"
