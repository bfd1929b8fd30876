"""Admin for the register (program administrators and superusers)."""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from eligibility.admin import ProgramAdmin
from eligibility.models import Program

from . import access
from .field_rules import clean_text
from .models import (
    Area,
    AuditEvent,
    Case,
    Decision,
    DuesPayment,
    Entitlement,
    Household,
    Membership,
    Objection,
    OutboxMessage,
    Person,
    RecertificationRun,
    User,
)
from .personal.identity import mask_resident_id, parse_resident_id
from .personal.phones import clean_mobile_phone, is_mobile_phone, mask_phone, normalize_mobile_phone
from .privacy.access_log import Kind, record_access


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


# --- persons: identity and phone numbers masked, revealed on request (recorded) ---------

class PersonAdminForm(forms.ModelForm):
    """The identity and phone numbers of a stored person come masked in the form: leaving
    a masked value as it is keeps the stored number, typing a new one replaces it. The
    full numbers never reach the page (``PersonAdmin.reveal_view`` shows them, recorded)."""

    MASKED = (("id_number", mask_resident_id), ("phone", mask_phone))

    class Meta:
        model = Person
        fields = ("household", "name", "id_number", "sex", "birth_date", "relationship",
                  "phone", "pension_insured")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            return
        for name, mask in self.MASKED:
            if name in self.fields:
                self.initial[name] = mask(getattr(self.instance, name))
                self.fields[name].help_text = _(
                    "Shown masked. Leave it as it is to keep the stored number, or type a "
                    "new one to replace it.")

    def _kept(self, name: str, value: str) -> bool:
        return self.instance.pk is not None and value == self.initial.get(name)

    def clean_id_number(self):
        value = self.cleaned_data["id_number"]
        if self._kept("id_number", value):
            return self.instance.id_number
        number = parse_resident_id(value).number
        if Person.objects.filter(id_number=number).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Already registered: %(ids)s")
                                        % {"ids": mask_resident_id(number)})
        return number

    def clean_name(self):
        """The name's rule, and stored without invisible characters, as the API does."""
        return clean_text(Person, "name", self.cleaned_data["name"])

    def clean_phone(self):
        value = self.cleaned_data.get("phone", "")
        if self._kept("phone", value):
            return self.instance.phone
        return clean_mobile_phone(value)


class RevealForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose"), max_length=200, widget=forms.TextInput(attrs={"size": 60}),
        help_text=_("Required: why you need the full numbers (recorded with your name)."))

    def clean_purpose(self):
        purpose = " ".join(self.cleaned_data["purpose"].split())
        if len(purpose) < 4:
            raise forms.ValidationError(_("Say why, in a few words."))
        return purpose


REVEAL_TEMPLATE = """{% extends "admin/base_site.html" %}
{% block breadcrumbs %}<div class="breadcrumbs">
<a href="{% url 'admin:index' %}">{{ home }}</a> &rsaquo;
<a href="{{ change_url }}">{{ person.name }}</a> &rsaquo; {{ title }}</div>{% endblock %}
{% block content %}<div id="content-main">
<table>
<tr><th>{{ id_label }}</th><td class="pii-id-number">{{ id_number }}</td></tr>
<tr><th>{{ phone_label }}</th><td class="pii-phone">{{ phone }}</td></tr>
</table>
{% if revealed %}<p>{{ recorded }}</p>{% else %}
<form method="post">{% csrf_token %}{{ form.as_p }}
<input type="submit" value="{{ submit }}"></form>{% endif %}
</div>{% endblock %}
"""


class PersonInline(admin.TabularInline):
    model = Person
    form = PersonAdminForm
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
    """Numbers masked in the list and the form; a search by a whole identity or mobile
    number finds the person through the lookup hash; "show the full numbers" asks why,
    records the view (``casework.privacy.access_log``) and shows them, to whom the rule allows
    (``casework.access.may_see_full_identity``)."""

    form = PersonAdminForm
    list_display = ("name", "masked_id_number", "masked_phone", "household", "relationship")
    search_fields = ("name",)
    search_help_text = _("A name, or a whole resident identity number or mobile number.")
    raw_id_fields = ("household",)
    readonly_fields = ("full_numbers",)

    @admin.display(description=_("Full numbers"))
    def full_numbers(self, person):
        if person.pk is None:
            return "-"
        url = reverse("admin:casework_person_reveal", args=[person.pk])
        return format_html('<a href="{}">{}</a>', url,
                           _("Show the full identity and phone numbers (recorded)"))

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        try:
            number = parse_resident_id(term).number
        except ValidationError:
            number = None
        if number is not None:
            return queryset.filter(id_number=number), False
        phone = normalize_mobile_phone(term)
        if is_mobile_phone(phone):
            return queryset.filter(phone=phone), False
        return super().get_search_results(request, queryset, search_term)

    def get_urls(self):
        extra = [path("<int:object_id>/reveal/",
                      self.admin_site.admin_view(self.reveal_view),
                      name="casework_person_reveal")]
        return extra + super().get_urls()

    def reveal_view(self, request, object_id: int):
        person = get_object_or_404(Person.objects.select_related("household"), pk=object_id)
        if not (self.has_view_permission(request, person)
                and access.may_see_full_identity(request.user, person)):
            raise PermissionDenied
        form = RevealForm(request.POST or None)
        revealed = request.method == "POST" and form.is_valid()
        if revealed:
            purpose = form.cleaned_data["purpose"]
            record_access(request.user, Kind.RESIDENT_ID, purpose=purpose, person=person,
                          object_ref=f"person:{person.pk}", path=request.path)
            if person.phone:
                record_access(request.user, Kind.PHONE, purpose=purpose, person=person,
                              object_ref=f"person:{person.pk}", path=request.path)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta,
            "person": person, "form": form, "revealed": revealed,
            "title": _("Full numbers of %(name)s") % {"name": person.name},
            "home": _("Home"),
            "change_url": reverse("admin:casework_person_change", args=[person.pk]),
            "id_label": Person._meta.get_field("id_number").verbose_name,
            "phone_label": Person._meta.get_field("phone").verbose_name,
            "id_number": person.id_number if revealed else person.masked_id_number,
            "phone": (person.phone if revealed else person.masked_phone) or "-",
            "recorded": _("This view has been recorded with its purpose."),
            "submit": _("Show the full numbers"),
        }
        template = engines["django"].from_string(REVEAL_TEMPLATE)
        response = TemplateResponse(request, template, context)
        add_never_cache_headers(response)
        return response


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("number", "person", "joined", "left", "role")
    raw_id_fields = ("person",)
    # the payments are the record (casework.register.dues keeps this list in step with them)
    readonly_fields = ("dues_paid_years",)


class ReadOnlyAdmin(admin.ModelAdmin):
    """The case file changes only through services, never by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(DuesPayment)
class DuesPaymentAdmin(ReadOnlyAdmin):
    """Read-only: payments are recorded through casework.register.dues (one per member and year,
    receipts unique, the membership's list kept in step)."""

    list_display = ("receipt_number", "membership", "year", "amount_yuan", "paid_on", "area")
    list_filter = ("year",)
    search_fields = ("receipt_number", "membership__number")


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

        from .register.simulation import parse_overrides, run_simulation

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
