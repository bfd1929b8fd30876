"""The admin of workflows' own tables: the working-day calendar (a year with its holidays
and swapped workdays) and the re-certification reviews (read only)."""

from django.contrib import admin

from casework.admin import ReadOnlyAdmin

from .deadlines.workdays import forget_calendar
from .models import CalendarDay, CalendarYear, Recertification


class ForgetCalendarOnChange:
    """Deadlines count from a cached calendar: an edit drops this process's copy (other
    processes refresh theirs within minutes, see ``workflows.deadlines.workdays``)."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        forget_calendar()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        forget_calendar()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        forget_calendar()


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0
    fields = ["day", "kind", "name"]


@admin.register(CalendarYear)
class CalendarYearAdmin(ForgetCalendarOnChange, admin.ModelAdmin):
    list_display = ["year", "provisional", "source"]
    inlines = [CalendarDayInline]


@admin.register(CalendarDay)
class CalendarDayAdmin(ForgetCalendarOnChange, admin.ModelAdmin):
    list_display = ["day", "kind", "name", "year"]
    list_filter = ["year", "kind"]
    date_hierarchy = "day"


@admin.register(Recertification)
class RecertificationAdmin(ReadOnlyAdmin):
    """Reviews opened by the yearly re-certification; decided in the staff UI or the API."""

    list_display = ("id", "year", "entitlement", "case", "area", "outcome", "decided_by",
                    "decided_at")
    list_filter = ("year", "outcome")
    search_fields = ("entitlement__number",)
    raw_id_fields = ("entitlement", "case", "area", "decided_by", "process")
