"""Assistance pairings: what a user may read, with the joins decided here.

- **Contracts and visits** carry the household's village (``area``): the usual rule,
  ``access.area_q`` (village staff their village, township staff their township,
  district staff and auditors the district, a family its own household's contracts).
- **Partners** serve the households of their township (``services.partner_serves``), so
  staff read the partners of their township (a village reviewer those of the village's
  township, to choose one for a contract), district staff and auditors all. Families
  read no partner list; their contract page shows their own partner.
Nothing here writes.
"""

from __future__ import annotations

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from casework import access
from casework.models import Household, Person, User

from .models import PairingContract, PairingVisit, Partner

CONTRACT_RELATED = ("household", "partner", "area")


def partner_q(user: User) -> Q:
    """The partners ``user`` may read: those of the user's township (or district)."""
    if not (user.is_authenticated and user.is_active and user.role in access.STAFF_ROLES
            and user.area_id):
        return Q(pk__in=[])
    return Q(area__code__startswith=user.area_id[:9])


def partners_for(user: User, *, active: bool | None = None) -> QuerySet:
    rows = Partner.objects.filter(partner_q(user)).select_related("area")
    if active is not None:
        rows = rows.filter(active=active)
    return rows.order_by("-id")


def partners_serving(village_code: str) -> QuerySet:
    """The active partners who may take a household of ``village_code``: those of its
    township."""
    return (Partner.objects.filter(active=True, area__code__startswith=village_code[:9])
            .select_related("area").order_by("name", "id"))


def partner_detail(*, user: User, partner_id: int) -> Partner:
    partner = partners_for(user).filter(pk=partner_id).first()
    if partner is None:
        raise Http404(_("No such partner among those you may see."))
    return partner


def head_name() -> Subquery:
    """The name of the contract's household head, in the list's one statement."""
    return Subquery(Person.objects.filter(household_id=OuterRef("household_id"),
                                          relationship=Person.Relationship.HEAD)
                    .order_by("id").values("name")[:1])


def contracts_for(user: User, *, state: str = "", household_id: int | None = None,
                  area: str = "") -> QuerySet:
    """The contracts ``user`` may read, newest first, with household, partner, village, the
    head's name (``head_name``) and the number of visits (``visit_count``)."""
    rows = PairingContract.objects.filter(access.area_q(user, household_field="household"))
    if state:
        rows = rows.filter(state=state)
    if household_id is not None:
        rows = rows.filter(household_id=household_id)
    if area:
        rows = rows.filter(area__code__startswith=area)
    return (rows.select_related(*CONTRACT_RELATED)
            .annotate(head_name=head_name(), visit_count=Count("visits"))
            .order_by("-id"))


def contract_detail(*, user: User, contract_id: int) -> PairingContract:
    """One contract the user may read (404 otherwise, whether it exists or not)."""
    contract = (PairingContract.objects
                .filter(access.area_q(user, household_field="household"), pk=contract_id)
                .select_related(*CONTRACT_RELATED, "partner__area", "case__program",
                                "created_by")
                .annotate(head_name=head_name()).first())
    if contract is None:
        raise Http404(_("No such pairing contract among those you may see."))
    return contract


def visits_of(contract: PairingContract) -> QuerySet:
    return (PairingVisit.objects.filter(contract_id=contract.pk)
            .select_related("recorded_by").order_by("-visited_on", "-id"))


def household_for(user: User, household_id: int) -> Household:
    """A household the user may read (404 otherwise)."""
    household = (Household.objects.filter(access.area_q(user, household_field=""),
                                          pk=household_id)
                 .select_related("area").first())
    if household is None:
        raise Http404(_("No such household among those you may see."))
    return household


def households_to_pair(user: User, *, area: str = "", unpaired_only: bool = False
                       ) -> QuerySet:
    """The hardship and special families of the user's area (the households pairings are
    for), by number, with the head's name (``head``)."""
    rows = Household.objects.filter(access.area_q(user, household_field=""))
    rows = rows.filter(Q(hardship=True) | ~Q(special_family=""))
    if area:
        rows = rows.filter(area__code__startswith=area)
    if unpaired_only:
        rows = rows.filter(paired=False)
    return (rows.select_related("area")
            .annotate(head=Subquery(Person.objects.filter(
                household_id=OuterRef("pk"), relationship=Person.Relationship.HEAD)
                .order_by("id").values("name")[:1]))
            .order_by("number"))


def family_contracts(user: User) -> QuerySet:
    """The family's own contracts (running first, then the newest), with their visits."""
    from django.db.models import Prefetch

    if user.role != User.Role.FAMILY or user.household_id is None:
        return PairingContract.objects.none()
    return (PairingContract.objects.filter(household_id=user.household_id)
            .select_related("partner", "area")
            .prefetch_related(Prefetch("visits", queryset=PairingVisit.objects.order_by(
                "-visited_on", "-id")))
            .order_by("-starts_on", "-id"))
