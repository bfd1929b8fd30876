"""Admin for the register (program administrators and superusers)."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from eligibility.admin import ProgramAdmin
from eligibility.models import Program

from .models import (
    Area,
    AuditEvent,
    Case,
    Decision,
    Entitlement,
    Household,
    Membership,
    Objection,
    OutboxMessage,
    Person,
    Recertification,
    RecertificationRun,
    User,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "area", "household", "is_active")
    list_filter = ("role", "is_active")
    raw_id_fields = ("area", "household")
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Role and scope"), {"fields": ("role", "area", "household", "display_name")}),
    )


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")


class PersonInline(admin.TabularInline):
    model = Person
    extra = 0
    fields = ("name", "id_number", "sex", "birth_date", "relationship", "phone",
              "pension_insured")


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("number", "area", "registration", "hardship", "special_family")
    list_filter = ("registration", "hardship", "two_daughter_household")
    search_fields = ("number",)
    raw_id_fields = ("area",)
    inlines = [PersonInline]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "masked_id_number", "household", "relationship")
    search_fields = ("name", "id_number")
    raw_id_fields = ("household",)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("number", "person", "joined", "left", "role")
    raw_id_fields = ("person",)


class ReadOnlyAdmin(admin.ModelAdmin):
    """The case file changes only through services, never by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("id", "program", "status", "area", "submitted_at", "eligible")
    list_filter = ("status", "program")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("case", "step", "outcome", "actor", "decided_at")


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ("case", "lodged_by_name", "lodged_at", "resolved_at", "upheld")


@admin.register(Entitlement)
class EntitlementAdmin(ReadOnlyAdmin):
    list_display = ("number", "program", "person", "valid_from", "valid_to", "state")
    list_filter = ("program", "state")


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("case", "seq", "at", "actor", "action", "from_status", "to_status")
    list_filter = ("action",)


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "channel", "template", "recipient", "created_at", "sent_at")
    list_filter = ("channel", "template")


@admin.register(Recertification)
class RecertificationAdmin(ReadOnlyAdmin):
    """Reviews opened by the yearly re-certification; decided in the staff UI or the API."""

    list_display = ("id", "year", "entitlement", "case", "area", "outcome", "decided_by",
                    "decided_at")
    list_filter = ("year", "outcome")
    search_fields = ("entitlement__number",)
    raw_id_fields = ("entitlement", "case", "area", "decided_by", "process")


@admin.register(RecertificationRun)
class RecertificationRunAdmin(ReadOnlyAdmin):
    """Each year's run: where it stands (its checkpoint), what it found, which rules."""

    list_display = ("year", "on", "processed", "flagged", "skipped", "last_entitlement_id",
                    "started_at", "finished_at")


# --- what-if for program administrators: a page on each program -------------------
class SimulationForm(forms.Form):
    key = forms.ChoiceField(label=_("Parameter"))
    value = forms.CharField(label=_("Proposed value"),
                            help_text=_("A number, true/false, or text."))
    on = forms.DateField(label=_("Evaluate as on"), initial=timezone.localdate,
                         widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, keys: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [(k, k) for k in keys]


class ProgramWithSimulationAdmin(ProgramAdmin):
    """The program admin of ``eligibility`` plus a what-if page (which reads the register,
    so it lives here: eligibility imports nothing of casework)."""

    list_display = (*ProgramAdmin.list_display, "simulate_link")

    @admin.display(description=_("What-if"))
    def simulate_link(self, program):
        url = reverse("admin:eligibility_program_simulate", args=[program.pk])
        return format_html('<a href="{}">{}</a>', url, _("Simulate a change"))

    def get_urls(self):
        extra = [path("<int:program_id>/simulate/",
                      self.admin_site.admin_view(self.simulate_view),
                      name="eligibility_program_simulate")]
        return extra + super().get_urls()

    def simulate_view(self, request, program_id: int):
        from eligibility.parameters import parameters_on

        from .simulation import parse_overrides, run_simulation

        program = get_object_or_404(Program, pk=program_id)
        if not self.has_view_permission(request, program):
            raise PermissionDenied
        keys = sorted(parameters_on(program, timezone.localdate()))
        form = SimulationForm(request.GET or None, keys=keys)
        report = None
        if form.is_valid():
            try:
                overrides = parse_overrides(
                    [f"{form.cleaned_data['key']}={form.cleaned_data['value']}"])
                report = run_simulation(program, overrides, form.cleaned_data["on"])
            except ValueError as exc:
                form.add_error("value", str(exc))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "program": program, "form": form, "report": report,
                   "title": _("What-if: %(program)s") % {"program": program}}
        return TemplateResponse(request, "admin/eligibility/program/simulate.html", context)


admin.site.unregister(Program)
admin.site.register(Program, ProgramWithSimulationAdmin)
