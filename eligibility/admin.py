"""Admin for program administrators: programs and their dated parameters, with history.

Every save is recorded by django-simple-history (who, when, what), shown by each
object's "History" page. A parameter's periods never overlap (``PolicyParameter.clean``);
changing a value means ending the old row's period and adding a row that starts the
next day, so the past stays as it was decided.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from .models import PolicyParameter, Program


class PolicyParameterInline(admin.TabularInline):
    """A program's parameters at a glance; each row is edited on its own page, where its
    period is checked against the others and the change is recorded."""

    model = PolicyParameter
    extra = 0
    fields = ("key", "value", "effective_from", "effective_to", "source")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("source"))
    def source(self, obj) -> str:
        return obj.source_label


@admin.register(Program)
class ProgramAdmin(SimpleHistoryAdmin):
    list_display = ("code", "name_zh", "name_en", "is_cash", "active")
    history_list_display = ("active", "is_cash")
    inlines = [PolicyParameterInline]


class PolicyParameterForm(forms.ModelForm):
    """The model's ``clean`` refuses a period that overlaps another row of the same program
    and key, with the error on the date field that causes it."""

    class Meta:
        model = PolicyParameter
        fields = ("program", "key", "value", "effective_from", "effective_to",
                  "source_document", "source_location", "assumed", "note")
        help_texts = {
            "effective_from": _("First day in force. Periods of one parameter must not "
                                "overlap."),
        }


@admin.register(PolicyParameter)
class PolicyParameterAdmin(SimpleHistoryAdmin):
    form = PolicyParameterForm
    list_display = ("program", "key", "value", "effective_from", "effective_to",
                    "source")
    list_filter = ("program", "assumed", "key")
    history_list_display = ("value", "effective_from", "effective_to", "source_document",
                            "assumed")
    list_select_related = ("program",)

    @admin.display(description=_("source"), ordering="source_document")
    def source(self, obj) -> str:
        """The document and where in it, or "assumed, set locally"."""
        return obj.source_label
