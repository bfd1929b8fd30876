"""The welfare fund in the staff site (/workflow/fund/): the year's ledger, booking an
entry, reversing one.

Who (``casework.fund.selectors``): the district's approvers and administrators keep the
fund (book, reverse); its auditors and any other staff whose scope is the district read
the whole ledger; township and village staff read the grants paid to cases of their own
area (how many, how much, which), not the fund's income or other spending. An entry the
user may not see is a 404 (whether it exists or not); a page that writes, opened by a
reader, a 403. Families never get here (the staff site's guard).

The ledger lists a year's entries newest first, keyset pages (``?after=<id>``): two
statements for the page whatever the rows (the summary, the entries with what a row
shows joined), never a COUNT.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from casework.errors import DomainError
from casework.fund import selectors, services
from casework.fund.models import FundEntry

from ..frontend_access import staff_only
from ..notifications import notify
from .forms import BookEntryForm, ReverseEntryForm, YearForm

PAGE_SIZE = 50




def keepers_only(view):
    """The keepers of the user's district's fund (else 403)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not selectors.may_keep(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _year(request) -> int:
    """``?year=`` when it is a year, else the current one."""
    form = YearForm(request.GET)
    if form.is_valid() and form.cleaned_data["year"]:
        return form.cleaned_data["year"]
    return timezone.localdate().year


def _base_context(request) -> dict:
    """The site menu's unread-messages badge, as the other staff pages give it."""
    unread = notify.unread_count(request.user)
    return {"user_messages": notify.unread_label(unread) if unread else ""}


def _domain_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _pager(request, next_after: int | None) -> dict[str, str]:
    keep = request.GET.copy()
    keep.pop("after", None)
    first = f"?{keep.urlencode()}" if request.GET.get("after") else ""
    if next_after is not None:
        keep["after"] = next_after
    return {"next_url": f"?{keep.urlencode()}" if next_after is not None else "",
            "first_url": first}


@require_http_methods(["GET", "HEAD"])
@staff_only
def ledger(request):
    """The year's ledger (ledger readers) or the area's grants (township/village staff)."""
    user = request.user
    year = _year(request)
    summary = selectors.summary_for(user, year)
    rows = selectors.entries_for(user, year=year)
    after = request.GET.get("after", "")
    if after.isdigit():
        rows = rows.filter(pk__lt=int(after))
    page = list(rows.order_by("-id")[:PAGE_SIZE + 1])
    has_next, page = len(page) > PAGE_SIZE, page[:PAGE_SIZE]
    may_keep = selectors.may_keep(user)
    today = timezone.localdate()
    return TemplateResponse(request, "workflows/fund/ledger.html", {
        **_base_context(request),
        "year": year, "summary": summary, "full": summary["scope"] == "fund",
        "entries": page, "may_keep": may_keep and year <= today.year,
        "years": range(today.year, today.year - 6, -1),
        "income_kinds": [(FundEntry.Kind(k).label, v)
                         for k, v in summary.get("income", {}).items()],
        "spending_kinds": [(FundEntry.Kind(k).label, v)
                           for k, v in summary.get("spending", {}).items()],
        **_pager(request, page[-1].pk if has_next else None),
    })


@require_http_methods(["GET", "POST"])
@staff_only
@keepers_only
def book(request):
    """Book income or other spending (grants come from approved cases)."""
    user = request.user
    form = BookEntryForm(request.POST or None, year=_year(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.book_entry(
                actor=user, kind=data["kind"], amount_yuan=data["amount_yuan"],
                booked_on=data["booked_on"], year=data["year"],
                counterparty=data["counterparty"], reference=data["reference"],
                note=data["note"])
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("Booked: %(kind)s, %(amount)s yuan.") % {
                "kind": entry.get_kind_display(), "amount": entry.amount_yuan})
            return HttpResponseRedirect(f"{reverse('fund:index')}?year={entry.year}")
    return TemplateResponse(request, "workflows/fund/book.html", {
        **_base_context(request), "form": form})


@require_http_methods(["GET", "POST"])
@staff_only
def reverse_entry(request, pk: int):
    """Cancel an entry with a reversing entry (the keepers of its district)."""
    user = request.user
    try:
        entry = selectors.entry_for(user, pk)
    except FundEntry.DoesNotExist:
        raise Http404(_("No such entry among those you may see.")) from None
    if not selectors.may_keep(user, entry.area_id):
        raise PermissionDenied
    form = ReverseEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            reversal = services.reverse_entry(actor=user, entry=entry, note=data["note"],
                                              booked_on=data["booked_on"],
                                              reference=data["reference"])
        except DomainError as exc:
            _domain_error(form, exc)
        else:
            messages.success(request, _("Entry #%(entry)s reversed.") % {"entry": entry.pk})
            return HttpResponseRedirect(f"{reverse('fund:index')}?year={reversal.year}")
    return TemplateResponse(request, "workflows/fund/reverse.html", {
        **_base_context(request), "form": form, "entry": entry})
