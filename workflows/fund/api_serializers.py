"""Welfare fund: the API's shapes. Validation at the edge, fields named; the rules are
``casework.fund.services``'."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from casework.fund.models import FundEntry
from casework.fund.services import (
    BOOKABLE_KINDS,
    COUNTERPARTY_MAX,
    FIRST_YEAR,
    NOTE_MAX,
    REFERENCE_MAX,
)

AMOUNT = {"max_digits": 12, "decimal_places": 2}


class FundEntrySerializer(serializers.ModelSerializer):
    """One ledger entry. ``signed_yuan``: what it does to the balance (+ in, - out; a
    reversal the opposite of the entry it reverses). ``reversed_by``: the reversing
    entry's id, if any. Grants name their case and its village instead of a payee."""

    signed_yuan = serializers.DecimalField(read_only=True, max_digits=14, decimal_places=2)
    reversed_by = serializers.SerializerMethodField()
    case_area_name = serializers.CharField(source="case_area.name", read_only=True,
                                           default=None, allow_null=True)
    recorded_by = serializers.CharField(source="recorded_by.username", read_only=True,
                                        default=None, allow_null=True)

    class Meta:
        model = FundEntry
        fields = ["id", "area", "year", "booked_on", "kind", "amount_yuan", "signed_yuan",
                  "counterparty", "reference", "case", "case_area", "case_area_name",
                  "reverses", "reversed_by", "note", "recorded_by", "recorded_at"]
        read_only_fields = fields

    def get_reversed_by(self, entry) -> int | None:
        reversal = getattr(entry, "reversal", None)
        return reversal.pk if reversal is not None else None


class FundEntryFilterSerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, min_value=FIRST_YEAR, max_value=2100,
                                    label=_("fund year"))


class FundEntryCreateSerializer(serializers.Serializer):
    """Income (allocation, donation, other_income) or other_spending; grants are booked
    by approving a welfare-grant case. ``year`` defaults to ``booked_on``'s."""

    kind = serializers.ChoiceField(choices=[(k.value, k.label) for k in BOOKABLE_KINDS],
                                   label=_("entry kind"))
    amount_yuan = serializers.DecimalField(min_value=Decimal("0.01"), label=_("amount (yuan)"),
                                           **AMOUNT)
    booked_on = serializers.DateField(label=_("booked on"))
    year = serializers.IntegerField(required=False, min_value=FIRST_YEAR, max_value=2100,
                                    label=_("fund year"))
    counterparty = serializers.CharField(max_length=COUNTERPARTY_MAX, label=_("from / paid to"))
    reference = serializers.CharField(max_length=REFERENCE_MAX, required=False,
                                      allow_blank=True, default="",
                                      label=_("voucher or receipt number"))
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True,
                                 default="", label=_("note"))


class FundEntryReverseSerializer(serializers.Serializer):
    """The reversing entry: why (``note``), its date (default today), its voucher."""

    note = serializers.CharField(max_length=NOTE_MAX, label=_("reason"))
    booked_on = serializers.DateField(required=False, label=_("booked on"))
    reference = serializers.CharField(max_length=REFERENCE_MAX, required=False,
                                      allow_blank=True, default="",
                                      label=_("voucher or receipt number"))


class KindAmountsSerializer(serializers.Serializer):
    allocation = serializers.DecimalField(**AMOUNT, required=False)
    donation = serializers.DecimalField(**AMOUNT, required=False)
    other_income = serializers.DecimalField(**AMOUNT, required=False)
    grant = serializers.DecimalField(**AMOUNT, required=False)
    other_spending = serializers.DecimalField(**AMOUNT, required=False)


class FundYearSerializer(serializers.Serializer):
    """A fund year as the user may see it. ``scope`` ``fund`` (the district's staff): every
    figure. ``scope`` ``grants`` (township and village staff): only ``grants`` and
    ``grants_yuan`` of their area (``area``); the fund-wide figures are null. Net of
    reversals; the balance rule (carried over + income - spending, never below zero) is
    assumed, set locally."""

    scope = serializers.ChoiceField(choices=["fund", "grants"])
    year = serializers.IntegerField()
    district = serializers.CharField()
    area = serializers.CharField()
    grants = serializers.IntegerField(help_text="Grants booked, net of reversals.")
    grants_yuan = serializers.DecimalField(**AMOUNT, allow_null=True, required=False)
    income = KindAmountsSerializer(allow_null=True, required=False)
    spending = KindAmountsSerializer(allow_null=True, required=False)
    income_yuan = serializers.DecimalField(**AMOUNT, allow_null=True, required=False)
    spending_yuan = serializers.DecimalField(**AMOUNT, allow_null=True, required=False)
    carried_over_yuan = serializers.DecimalField(**AMOUNT, allow_null=True, required=False)
    balance_yuan = serializers.DecimalField(**AMOUNT, allow_null=True, required=False)
    available_yuan = serializers.DecimalField(
        **AMOUNT, allow_null=True, required=False,
        help_text="The welfare-grant budget left: what may still be spent in the year.")

    def to_representation(self, summary):
        if summary["scope"] == "fund":
            summary = {**summary, "grants_yuan": summary["spending"]["grant"]}
        else:
            summary = {**dict.fromkeys(("income", "spending", "income_yuan", "spending_yuan",
                                        "carried_over_yuan", "balance_yuan",
                                        "available_yuan")), **summary}
        return super().to_representation(summary)
