"""The demo pairings over the demo register (idempotent, consistent with the paired flags)
and the Celery task of the daily sweep."""

from datetime import date, timedelta

from casework.models import Household, RecordEvent
from casework.pairings.models import PairingContract, PairingVisit, Partner

TODAY = date(2026, 6, 15)


def test_the_demo_seed(db):
    from casework.demo import seed_demo
    from casework.pairings.demo import seed

    seed_demo(households=120, today=TODAY, association=False)
    counts = seed(today=TODAY)
    assert counts["partners"] == 12 and counts["ended"] == 1 and counts["pending"] == 1
    assert counts["contracts"] == PairingContract.objects.count() >= 3
    assert counts["visits"] == PairingVisit.objects.count() > 0
    # every household marked paired has the running contract that makes it so
    paired = set(Household.objects.filter(paired=True).values_list("pk", flat=True))
    running = set(PairingContract.objects.filter(state="running")
                  .values_list("household_id", flat=True))
    assert paired == running and paired
    ended = PairingContract.objects.get(state="ended")
    assert ended.ended_on and not ended.household.paired
    pending = PairingContract.objects.get(state="pending")
    assert pending.starts_on > TODAY and not pending.household.paired
    assert Partner.objects.filter(active=False).count() == 1
    assert Partner.objects.get(name="应国华").area.name == "东山村"
    events = RecordEvent.objects.filter(subject__startswith="pairings.").count()
    assert events == (counts["partners"] + 1 + counts["contracts"] + counts["visits"] + 1)
    # twice: nothing more
    assert seed(today=TODAY) == dict.fromkeys(counts, 0)
    assert RecordEvent.objects.filter(subject__startswith="pairings.").count() == events
    # once the pending contract started, a rerun still adds nothing
    from casework.pairings.services import end_finished_contracts

    end_finished_contracts(today=pending.starts_on)
    assert seed(today=pending.starts_on) == dict.fromkeys(counts, 0)


def test_the_celery_task_runs_the_sweep(world, settings):
    from django.utils import timezone

    from casework.pairings import services
    from workflows.pairings.tasks import end_finished_pairings

    today = timezone.localdate()
    contract = services.sign_contract(
        actor=world["users"]["village"], household=world["home"], today=today,
        data=services.ContractInput(partner=world["breeder"],
                                    signed_on=today - timedelta(days=30),
                                    starts_on=today - timedelta(days=30),
                                    ends_on=today - timedelta(days=1), terms="养鸡"))
    assert contract.state == "ended"  # recorded after its end: never marked
    PairingContract.objects.filter(pk=contract.pk).update(state="running")
    Household.objects.filter(pk=world["home"].pk).update(paired=True)
    assert end_finished_pairings.name == "workflows.pairings.tasks.end_finished_pairings"
    assert end_finished_pairings.apply().get() == 1
    assert not Household.objects.get(pk=world["home"].pk).paired
