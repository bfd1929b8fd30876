"""The auditor's view of the association's own records (/workflow/auditor/records/): every
``RecordEvent`` in the user's area (a campaign opened, a contact report filed, a project's
household added, a fund entry booked...), newest first, filtered by kind of record,
action, area and dates.

Who: as the rest of the workspace (``auditor.may_audit``: auditors and district
approvers), GET and HEAD only. Scope: ``casework.access.area_q`` on the event's own area
(its village, township or district), the same rule as every list. Keyset pages on the
event id; two statements a page (the events with their actors and areas, and the areas
of the filter), whatever the number of events. Details are masked like the case events'
(``auditor.mask_personal``): no full resident ID or phone number is shown.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from casework import access
from casework.models import Area, RecordEvent

from .views import _query_without, actor_name, detail_text, read_only

PAGE_SIZE = 50


class RecordFilterForm(forms.Form):
    """What to look for; every field optional."""

    subject = forms.CharField(label=_("Kind of record"), required=False, max_length=60,
                              help_text=_("E.g. healthchecks.healthcheckcampaign"))
    action = forms.CharField(label=_("Action"), required=False, max_length=60)
    area = forms.ChoiceField(label=_("Area"), required=False)
    date_from = forms.DateField(label=_("From"), required=False,
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To (inclusive)"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, *, user):
        super().__init__(data)
        areas = (Area.objects.filter(code__startswith=user.area_id or "-").order_by("code")
                 .values_list("code", "name", "level"))
        indent = {Area.Level.TOWNSHIP: "\u2003", Area.Level.VILLAGE: "\u2003\u2003"}
        self.fields["area"].choices = [("", _("All my areas"))] + [
            (code, f"{indent.get(level, '')}{name} ({code})") for code, name, level in areas]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data[
                "date_to"]:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


def record_events_for(user, filters: dict):
    """The events ``user`` may see, filtered; newest first."""
    rows = RecordEvent.objects.filter(access.area_q(user, household_field=None))
    if filters.get("subject"):
        rows = rows.filter(subject=filters["subject"].strip())
    if filters.get("action"):
        rows = rows.filter(action=filters["action"].strip())
    if filters.get("area"):
        rows = rows.filter(area__code__startswith=filters["area"])
    if filters.get("date_from"):
        rows = rows.filter(at__gte=timezone.make_aware(
            datetime.combine(filters["date_from"], time.min)))
    if filters.get("date_to"):
        rows = rows.filter(at__lt=timezone.make_aware(
            datetime.combine(filters["date_to"] + timedelta(days=1), time.min)))
    return rows.select_related("actor", "area").order_by("-id")


@read_only
def record_events(request):
    user = request.user
    form = RecordFilterForm(request.GET or None, user=user)
    after = request.GET.get("after", "")
    events, has_next = [], False
    if not form.is_bound or form.is_valid():
        rows = record_events_for(user, form.cleaned_data if form.is_bound else {})
        if after.isdigit():
            rows = rows.filter(pk__lt=int(after))
        events = list(rows[:PAGE_SIZE + 1])
        has_next, events = len(events) > PAGE_SIZE, events[:PAGE_SIZE]
    return TemplateResponse(request, "workflows/auditor/records.html", {
        "form": form,
        "rows": [{"event": e, "actor": actor_name(e.actor),
                  "detail": detail_text(e.detail)} for e in events],
        "next_url": f"?{_query_without(request, after=events[-1].pk)}" if has_next else "",
        "first_url": f"?{_query_without(request, 'after')}" if after else "",
    })
