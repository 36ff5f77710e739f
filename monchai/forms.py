from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from monchai import stock
from monchai.models import Client, Cuvee, Quote, QuoteLine, StockMovement


def require_at_least_one(field: forms.Field) -> None:
    """Show min="1" on the input; the model field's validator enforces it."""
    field.widget.attrs["min"] = "1"


class LoginForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["password"].label = _("Password")


class ClientForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = ["name", "email", "phone", "address", "city", "notes"]
        widgets = {
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "address": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }


class CuveeForm(forms.ModelForm):
    """Edits a cuvée; its stock only changes through stock movements."""

    class Meta:
        model = Cuvee
        fields = ["name", "colour", "vintage", "unit_price", "low_stock_threshold"]
        widgets = {"unit_price": forms.NumberInput(attrs={"step": "0.01", "min": "0"})}


class StockMovementForm(forms.ModelForm):
    class Meta:
        model = StockMovement
        fields = ["cuvee", "kind", "quantity", "reason"]
        widgets = {"kind": forms.RadioSelect}
        help_texts = {"reason": _("For example: bottling, cellar-door sale, breakage.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = StockMovement.Kind.choices  # no empty radio button
        require_at_least_one(self.fields["quantity"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        cuvee, kind, quantity = (cleaned.get(key) for key in ("cuvee", "kind", "quantity"))
        if cuvee and kind and quantity:
            try:
                stock.check_available(cuvee, kind, quantity)
            except stock.InsufficientStock as error:
                self.add_error("quantity", error)
        return cleaned

    def save(self, commit: bool = True, user: AbstractBaseUser | None = None) -> StockMovement:
        """Record the movement through stock.record_movement (commit=False is not supported)."""
        if not commit:
            raise ValueError("A stock movement is always applied when saved.")
        data = self.cleaned_data
        self.instance = stock.record_movement(
            data["cuvee"], data["kind"], data["quantity"], data["reason"], user
        )
        return self.instance


class QuoteForm(forms.ModelForm):
    class Meta:
        model = Quote
        fields = ["client", "valid_until", "vat_rate", "notes"]
        widgets = {
            "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "vat_rate": forms.NumberInput(attrs={"step": "0.01", "min": "0"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }


class QuoteLineForm(forms.ModelForm):
    class Meta:
        model = QuoteLine
        fields = ["cuvee", "quantity", "unit_price"]
        widgets = {"unit_price": forms.NumberInput(attrs={"step": "0.01", "min": "0"})}
        help_texts = {"unit_price": _("Empty: the cuvée's price.")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        require_at_least_one(self.fields["quantity"])
        self.fields["unit_price"].required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("unit_price") is None and cleaned.get("cuvee"):
            cleaned["unit_price"] = cleaned["cuvee"].unit_price
        return cleaned


class BaseQuoteLineFormSet(forms.BaseInlineFormSet):
    default_error_messages = {"too_few_forms": _("Add at least one line to the quote.")}


QuoteLineFormSet = forms.inlineformset_factory(
    Quote,
    QuoteLine,
    form=QuoteLineForm,
    formset=BaseQuoteLineFormSet,
    extra=2,
    min_num=1,
    validate_min=True,
    can_delete=True,
)
