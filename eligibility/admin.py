from django.contrib import admin

from .models import PolicyParameter, Program


class PolicyParameterInline(admin.TabularInline):
    model = PolicyParameter
    extra = 0


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "is_cash", "active")
    inlines = [PolicyParameterInline]


@admin.register(PolicyParameter)
class PolicyParameterAdmin(admin.ModelAdmin):
    list_display = ("program", "key", "value", "effective_from", "effective_to",
                    "source_document")
    list_filter = ("program", "key")
