"""The pairing services: the paired flag follows the contracts (the issue's regression: an
ended pairing unmarks the household, early or at its end), bad input names its field and
stores nothing, and only the village's and the township's keepers record pairings."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.errors import CaseConflict, InvalidInput, NotPermitted
from casework.models import Household, RecordEvent
from casework.pairings import services
from casework.pairings.models import PairingContract, PairingVisit, Partner
from tests import factories as f

from .conftest import TODAY, sign

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def paired(household) -> bool:
    return Household.objects.get(pk=household.pk).paired


def events(obj, action=None):
    rows = RecordEvent.objects.filter(subject=f"pairings.{obj._meta.model_name}",
                                      subject_id=str(obj.pk))
    if action:
        rows = rows.filter(action=action)
    return list(rows.order_by("id"))


# --- the paired flag ----------------------------------------------------------------------

def test_a_running_contract_marks_the_household_paired(world):
    assert not paired(world["home"])
    contract = sign(world)
    assert contract.state == PairingContract.State.RUNNING
    assert paired(world["home"])
    (event,) = events(contract, "pairing_contract_signed")
    assert event.area_id == world["home"].area_id and event.actor == world["users"]["village"]
    assert event.detail["household_paired"] is True
    assert event.detail["household_id"] == world["home"].pk


def test_an_early_end_unmarks_the_household(world):
    """Regression (issue 11): an ended pairing unmarks the household (early end)."""
    contract = sign(world)
    assert paired(world["home"])
    ended = services.end_contract(actor=world["users"]["township"], contract=contract,
                                  ended_on=TODAY, reason="户主外出务工", today=TODAY)
    assert (ended.state, ended.ended_on, ended.end_reason) == ("ended", TODAY, "户主外出务工")
    assert not paired(world["home"])
    (event,) = events(contract, "pairing_contract_ended_early")
    assert event.detail == {"household_id": world["home"].pk, "from_state": "running",
                            "ended_on": TODAY.isoformat(), "household_unpaired": True}
    assert ended.last_day == TODAY - timedelta(days=1)


def test_the_periodic_end_unmarks_the_household(world):
    """Regression (issue 11): an ended pairing unmarks the household (its last day passed)."""
    contract = sign(world, ends_on=date(2026, 6, 30))
    assert paired(world["home"])
    assert services.end_finished_contracts(today=date(2026, 6, 30)) == 0  # the last day
    assert paired(world["home"])
    assert services.end_finished_contracts(today=date(2026, 7, 1)) == 1
    contract.refresh_from_db()
    assert contract.state == PairingContract.State.ENDED and contract.ended_on is None
    assert not paired(world["home"])
    (event,) = events(contract, "pairing_contract_ended")
    assert event.actor is None and event.detail["household_unpaired"] is True
    # a second run finds nothing due and writes nothing
    assert services.end_finished_contracts(today=date(2026, 7, 2)) == 0
    assert len(events(contract, "pairing_contract_ended")) == 1


def test_a_future_contract_marks_the_household_when_it_starts(world):
    contract = sign(world, signed_on=date(2026, 6, 1), starts_on=date(2026, 7, 1),
                    ends_on=date(2027, 6, 30))
    assert contract.state == PairingContract.State.PENDING
    assert not paired(world["home"])
    services.end_finished_contracts(today=date(2026, 6, 30))
    assert not paired(world["home"])
    services.end_finished_contracts(today=date(2026, 7, 1))
    contract.refresh_from_db()
    assert contract.state == PairingContract.State.RUNNING and paired(world["home"])
    (event,) = events(contract, "pairing_contract_started")
    assert event.detail["household_paired"] is True


def test_a_renewal_the_day_after_keeps_the_household_paired(world):
    first = sign(world, ends_on=date(2026, 6, 30))
    second = sign(world, signed_on=date(2026, 6, 10), starts_on=date(2026, 7, 1),
                  ends_on=date(2027, 6, 30))
    assert services.end_finished_contracts(today=date(2026, 7, 1)) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.state, second.state) == ("ended", "running")
    assert paired(world["home"])


def test_a_contract_whose_whole_period_passed_unseen_never_marks(world):
    contract = sign(world, signed_on=date(2026, 6, 1), starts_on=date(2026, 6, 20),
                    ends_on=date(2026, 6, 25))
    assert services.end_finished_contracts(today=date(2026, 7, 1)) == 1
    contract.refresh_from_db()
    assert contract.state == "ended" and not paired(world["home"])
    assert not events(contract, "pairing_contract_started")


def test_ending_a_signed_contract_before_it_starts_leaves_the_flag(world):
    contract = sign(world, signed_on=date(2026, 6, 1), starts_on=date(2026, 7, 1),
                    ends_on=date(2027, 6, 30))
    Household.objects.filter(pk=world["home"].pk).update(paired=True)  # marked otherwise
    services.end_contract(actor=world["users"]["village"], contract=contract,
                          ended_on=date(2026, 6, 10), reason="家庭另有安排", today=TODAY)
    assert paired(world["home"])  # it never ran: the flag is not this contract's
    assert services.end_finished_contracts(today=date(2026, 7, 1)) == 0
    assert not events(contract, "pairing_contract_started")


def test_the_sweep_reads_only_what_is_due(world, areas):
    for i in range(6):
        hh = f.household(areas["v11"], hardship=True)
        sign(world, household=hh, ends_on=date(2027 + i % 2, 1, 1))
    with CaptureQueriesContext(connection) as few:
        assert services.end_finished_contracts(today=TODAY) == 0
    for _ in range(20):
        sign(world, actor=world["users"]["township"],
             household=f.household(areas["v12"], hardship=True))
    with CaptureQueriesContext(connection) as many:
        assert services.end_finished_contracts(today=TODAY) == 0
    assert len(few.captured_queries) == len(many.captured_queries) == 2


# --- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("dates, field", [
    ({"signed_on": date(2026, 6, 16)}, "signed_on"),  # in the future
    ({"signed_on": date(2026, 5, 2), "starts_on": date(2026, 5, 1)}, "starts_on"),
    ({"starts_on": date(2026, 5, 1), "ends_on": date(2026, 5, 1)}, "ends_on"),
    ({"starts_on": date(2026, 5, 1), "ends_on": date(2026, 4, 30)}, "ends_on"),
    ({"terms": "  "}, "terms"),
])
def test_dates_out_of_order_name_the_field_and_store_nothing(world, dates, field):
    with pytest.raises(InvalidInput) as caught:
        sign(world, **dates)
    assert caught.value.field == field
    assert not PairingContract.objects.exists() and not RecordEvent.objects.exists()
    assert not paired(world["home"])


def test_a_second_running_contract_is_a_conflict_on_household(world):
    first = sign(world)
    with pytest.raises(CaseConflict) as caught:
        sign(world, actor=world["users"]["township"], signed_on=date(2026, 6, 1),
             starts_on=date(2026, 6, 1), ends_on=date(2027, 5, 31))
    assert (caught.value.field, caught.value.code) == ("household", "already_paired")
    assert f"#{first.pk}" in caught.value.message
    assert list(PairingContract.objects.all()) == [first]
    # nor over a signed contract's future period
    services.end_contract(actor=world["users"]["village"], contract=first,
                          ended_on=date(2026, 6, 1), reason="重签", today=TODAY)
    sign(world, signed_on=date(2026, 6, 1), starts_on=date(2026, 9, 1),
         ends_on=date(2027, 8, 31))
    with pytest.raises(CaseConflict):
        sign(world, signed_on=date(2026, 6, 1), starts_on=date(2027, 1, 1),
             ends_on=date(2028, 12, 31))
    # the early-ended period is free again from its end day
    third = sign(world, signed_on=date(2026, 6, 1), starts_on=date(2026, 6, 1),
                 ends_on=date(2026, 8, 31))
    assert third.state == "running" and paired(world["home"])


def test_the_household_must_be_in_hardship(world):
    with pytest.raises(InvalidInput) as caught:
        sign(world, household=world["well_off"])
    assert caught.value.field == "household" and not PairingContract.objects.exists()


def test_the_partner_must_serve_the_township_and_be_active(world):
    with pytest.raises(InvalidInput) as caught:
        sign(world, partner=world["orchard"])  # a partner of township t2
    assert caught.value.field == "partner"
    Partner.objects.filter(pk=world["breeder"].pk).update(active=False)
    world["breeder"].refresh_from_db()
    with pytest.raises(InvalidInput) as caught:
        sign(world)
    assert caught.value.field == "partner"
    # a partner of a village serves its whole township
    Partner.objects.filter(pk=world["breeder"].pk).update(active=True)
    world["breeder"].refresh_from_db()
    assert sign(world, actor=world["users"]["township"],
                household=world["neighbour"]).partner == world["breeder"]
    assert not PairingContract.objects.filter(household=world["home"]).exists()


def test_the_application_must_be_the_households_granted_pairing(world, programs):
    case = f.case(world["head"], programs["assistance_pairing"], status="township_review")
    with pytest.raises(InvalidInput) as caught:
        sign(world, case=case)
    assert caught.value.field == "case"
    other = f.case(world["head"], programs["health_check"])
    with pytest.raises(InvalidInput) as caught:
        sign(world, case=other)
    assert caught.value.field == "case"
    assert not PairingContract.objects.exists()
    case.status = "approved"
    case.save()
    assert sign(world, case=case).case == case


def test_the_scanned_contract_is_checked_by_content(world):
    fake = SimpleUploadedFile("contract.pdf", b"MZ not a pdf", content_type="application/pdf")
    with pytest.raises(InvalidInput) as caught:
        sign(world, document=fake)
    assert caught.value.field == "document" and not PairingContract.objects.exists()
    contract = sign(world, document=SimpleUploadedFile("合同 王.png", PNG,
                                                       content_type="image/png"))
    assert contract.document.name.startswith("pairings/") and "王" not in contract.document.name
    assert contract.document_name == "合同 王.png"
    assert contract.document.read() == PNG


def test_a_refused_contract_leaves_no_file(world, settings):
    sign(world)
    with pytest.raises(CaseConflict):
        sign(world, document=SimpleUploadedFile("c.png", PNG, content_type="image/png"))
    from pathlib import Path

    stored = [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]
    assert stored == []


# --- visits -------------------------------------------------------------------------------

def test_visits_within_the_contract(world):
    contract = sign(world)
    visit = services.record_visit(actor=world["users"]["village"], contract=contract,
                                  visited_on=date(2026, 6, 1), visited_by="partner",
                                  note="现场指导", today=TODAY)
    assert (visit.visitor_name, visit.area_id) == ("应养鸡", world["home"].area_id)
    (event,) = events(visit, "pairing_visit_recorded")
    assert event.detail == {"contract_id": contract.pk, "visited_on": "2026-06-01",
                            "visited_by": "partner"}


@pytest.mark.parametrize("visited_on", [date(2026, 4, 30), date(2026, 6, 16)])
def test_a_visit_outside_the_contract_or_in_the_future_names_visited_on(world, visited_on):
    contract = sign(world)
    with pytest.raises(InvalidInput) as caught:
        services.record_visit(actor=world["users"]["village"], contract=contract,
                              visited_on=visited_on, visited_by="partner", today=TODAY)
    assert caught.value.field == "visited_on"
    assert not PairingVisit.objects.exists()


def test_a_visit_after_an_early_end_is_refused(world):
    contract = sign(world)
    services.end_contract(actor=world["users"]["village"], contract=contract,
                          ended_on=date(2026, 6, 1), reason="提前终止", today=TODAY)
    with pytest.raises(InvalidInput) as caught:
        services.record_visit(actor=world["users"]["village"], contract=contract,
                              visited_on=date(2026, 6, 2), visited_by="village",
                              visitor_name="村干部", today=TODAY)
    assert caught.value.field == "visited_on"


def test_a_village_visit_needs_the_visitors_name(world):
    contract = sign(world)
    with pytest.raises(InvalidInput) as caught:
        services.record_visit(actor=world["users"]["village"], contract=contract,
                              visited_on=date(2026, 6, 1), visited_by="village", today=TODAY)
    assert caught.value.field == "visitor_name"
    with pytest.raises(InvalidInput) as caught:
        services.record_visit(actor=world["users"]["village"], contract=contract,
                              visited_on=date(2026, 6, 1), visited_by="neighbour",
                              today=TODAY)
    assert caught.value.field == "visited_by"
    assert not PairingVisit.objects.exists()


@pytest.mark.parametrize("ended_on, field", [
    (date(2026, 6, 16), "ended_on"),  # in the future
    (date(2026, 4, 30), "ended_on"),  # before the signing
    (date(2026, 6, 1), "ended_on"),  # before a visit on 6 June
])
def test_an_early_end_is_checked(world, ended_on, field):
    contract = sign(world)
    services.record_visit(actor=world["users"]["village"], contract=contract,
                          visited_on=date(2026, 6, 6), visited_by="partner", today=TODAY)
    with pytest.raises(InvalidInput) as caught:
        services.end_contract(actor=world["users"]["village"], contract=contract,
                              ended_on=ended_on, reason="x", today=TODAY)
    assert caught.value.field == field
    contract.refresh_from_db()
    assert contract.state == "running" and paired(world["home"])
    with pytest.raises(InvalidInput) as caught:
        services.end_contract(actor=world["users"]["village"], contract=contract,
                              ended_on=TODAY, reason=" ", today=TODAY)
    assert caught.value.field == "end_reason"


def test_an_ended_contract_cannot_end_again(world):
    contract = sign(world)
    services.end_contract(actor=world["users"]["village"], contract=contract,
                          ended_on=TODAY, reason="结束", today=TODAY)
    with pytest.raises(CaseConflict) as caught:
        services.end_contract(actor=world["users"]["village"], contract=contract,
                              ended_on=TODAY, reason="再次", today=TODAY)
    assert caught.value.code == "already_ended"


# --- who -------------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["village", "township", "admin"])
def test_the_village_and_township_keepers_record(world, role):
    actor = world["users"][role]
    contract = sign(world, actor=actor)
    services.record_visit(actor=actor, contract=contract, visited_on=date(2026, 6, 1),
                          visited_by="partner", today=TODAY)
    services.end_contract(actor=actor, contract=contract, ended_on=TODAY, reason="结束",
                          today=TODAY)
    assert not paired(world["home"])


@pytest.mark.parametrize("role", ["village_other", "township_other", "district", "auditor",
                                  "family"])
def test_everyone_else_is_refused(world, role):
    actor = world["users"][role]
    with pytest.raises(NotPermitted):
        sign(world, actor=actor)
    assert not PairingContract.objects.exists()
    contract = sign(world)
    with pytest.raises(NotPermitted):
        services.record_visit(actor=actor, contract=contract, visited_on=date(2026, 6, 1),
                              visited_by="partner", today=TODAY)
    with pytest.raises(NotPermitted):
        services.end_contract(actor=actor, contract=contract, ended_on=TODAY, reason="x",
                              today=TODAY)
    assert not PairingVisit.objects.exists() and paired(world["home"])


def test_the_keeper_rule(world, areas):
    users = world["users"]
    v11, t1, district = areas["v11"].code, areas["t1"].code, areas["district"].code
    assert services.may_keep_pairings(users["village"], v11)
    assert not services.may_keep_pairings(users["village"], t1)
    assert services.may_keep_pairings(users["township"], v11)
    assert services.may_keep_pairings(users["township"], t1)
    assert not services.may_keep_pairings(users["township_other"], v11)
    assert not services.may_keep_pairings(users["district"], v11)
    assert not services.may_keep_pairings(users["district"], district)
    assert not services.may_keep_pairings(users["admin"], district)
    assert services.may_keep_pairings(users["admin"], v11)


# --- partners ---------------------------------------------------------------------------------

def test_adding_partners(world, areas):
    head = world["head"]
    partner = services.add_partner(actor=world["users"]["village"], kind="person", name="",
                                   trade="  养鸡 ", area=areas["v11"], person=head)
    assert (partner.name, partner.trade, partner.person) == (head.name, "养鸡", head)
    (event,) = events(partner, "pairing_partner_added")
    assert event.detail == {"kind": "person", "trade": "养鸡", "person_id": head.pk}
    firm = services.add_partner(actor=world["users"]["township"], kind="enterprise",
                                name="某乳业公司", trade="奶牛养殖", area=areas["t1"])
    assert firm.area_id == areas["t1"].code
    services.set_partner_active(actor=world["users"]["township"], partner=firm, active=False)
    firm.refresh_from_db()
    assert not firm.active and events(firm, "pairing_partner_deactivated")


@pytest.mark.parametrize("kwargs, field", [
    ({"kind": "robot"}, "kind"),
    ({"trade": ""}, "trade"),
    ({"name": ""}, "name"),
    ({"area": "district"}, "area"),
    ({"kind": "enterprise", "person": "head"}, "person"),
])
def test_bad_partners_name_the_field(world, areas, kwargs, field):
    data = {"kind": "person", "name": "某人", "trade": "养鸡", "area": areas["v11"],
            "person": None, **kwargs}
    if data["area"] == "district":
        data["area"] = areas["district"]
    if data["person"] == "head":
        data["person"] = world["head"]
    with pytest.raises(InvalidInput) as caught:
        services.add_partner(actor=world["users"]["admin"], **data)
    assert caught.value.field == field
    assert Partner.objects.count() == 2


def test_partners_are_kept_by_their_areas_keepers(world, areas):
    with pytest.raises(NotPermitted):
        services.add_partner(actor=world["users"]["village"], kind="person", name="某人",
                             trade="养鸡", area=areas["t1"])
    with pytest.raises(NotPermitted):
        services.add_partner(actor=world["users"]["district"], kind="person", name="某人",
                             trade="养鸡", area=areas["t1"])
    with pytest.raises(NotPermitted):
        services.set_partner_active(actor=world["users"]["village"],
                                    partner=world["orchard"], active=False)
    with pytest.raises(InvalidInput) as caught:  # someone of another township's roster
        services.add_partner(actor=world["users"]["village"], kind="person", name="",
                             trade="养鸡", area=areas["v11"],
                             person=world["away"].members.get())
    assert caught.value.field == "person"
    assert Partner.objects.count() == 2

