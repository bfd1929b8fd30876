"""Admin for the register (program administrators and superusers)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

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
