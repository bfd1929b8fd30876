"""Money in the record is never negative, whatever a service or an import gets wrong: the
database refuses it (the forms, serializers and importers say so first, naming the field)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from casework.models import EntitlementRenewal, Household
from tests import factories as f


def refused(write) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        write()


def test_negative_money_is_refused_by_the_database(programs, areas):
    home = f.household(areas["v11"])
    entitlement = f.entitlement(f.person(home), programs["pension_subsidy"], amount_yuan=600)
    refused(lambda: Household.objects.filter(pk=home.pk).update(annual_income_yuan=-1))
    refused(lambda: type(entitlement).objects.filter(pk=entitlement.pk).update(
        amount_yuan=Decimal("-0.01")))
    refused(lambda: EntitlementRenewal.objects.create(
        entitlement=entitlement, area_id=entitlement.area_id, year=2027,
        valid_from=date(2027, 1, 1), valid_to=date(2027, 12, 31), amount_yuan=-600,
        renewed_at=timezone.now()))
    # zero stays allowed: a card benefit pays nothing in cash
    Household.objects.filter(pk=home.pk).update(annual_income_yuan=0)
    type(entitlement).objects.filter(pk=entitlement.pk).update(amount_yuan=0)
