"""The family's pairing page (/family/pairing/): who helps the household, for how long,
what was agreed, and the visits made; earlier contracts below. Phone-first, plain words,
no JavaScript. Only the family's own household's contracts are read
(``casework.pairings.selectors.family_contracts``): another household's contract is a
404."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from casework.pairings import selectors
from casework.pairings.models import PairingContract
from workflows.family_access import family_required

from .views import serve_document


@require_safe
@family_required
def mine(request):
    today = timezone.localdate()
    contracts = list(selectors.family_contracts(request.user))
    current = [c for c in contracts if c.state != PairingContract.State.ENDED]
    past = [c for c in contracts if c.state == PairingContract.State.ENDED]
    return render(request, "workflows/pairings/family_mine.html", {
        "current": current, "past": past, "today": today,
        "has_household": request.user.household_id is not None,
    })


@require_safe
@family_required
def document(request, pk: int):
    contract = selectors.family_contracts(request.user).filter(pk=pk).first()
    if contract is None:
        raise Http404(_("No such pairing contract among yours."))
    return serve_document(request, contract)
