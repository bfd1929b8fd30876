"""API shapes of income projects (少生快富项目). Validation at the edge, fields named; the
rules that need the database (the township, dates against the project's) are the
services'."""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from casework.projects.models import IncomeProject, ProjectHousehold


class ProjectSerializer(serializers.ModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = IncomeProject
        fields = ["id", "name", "area", "area_name", "kind", "started_on", "ended_on",
                  "support", "lead", "budget_yuan", "active", "created_at"]
        read_only_fields = fields


class _ProjectFields(serializers.Serializer):
    name = serializers.CharField(max_length=100, label=_("project name"))
    kind = serializers.ChoiceField(choices=IncomeProject.Kind.choices,
                                   default=IncomeProject.Kind.OTHER)
    started_on = serializers.DateField(label=_("started on"))
    ended_on = serializers.DateField(
        required=False, allow_null=True, default=None, label=_("ended on"),
        help_text="The first day the project no longer runs; null while it runs.")
    support = serializers.CharField(max_length=2000, label=_("support given"),
                                    help_text="What the project gives the households.")
    lead = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                 default="", label=_("run by"))
    budget_yuan = serializers.DecimalField(max_digits=12, decimal_places=2, required=False,
                                           allow_null=True, default=None,
                                           min_value=Decimal("0"), label=_("budget (yuan)"))
    active = serializers.BooleanField(
        default=True, help_text="Open to new households (families may apply to join it).")

    def validate(self, data):
        started = data.get("started_on")
        ended = data.get("ended_on")
        if started and ended and ended <= started:
            raise serializers.ValidationError(
                {"ended_on": [_("The end date must be after the start date.")]})
        return data


class ProjectCreateSerializer(_ProjectFields):
    area = serializers.CharField(max_length=9, min_length=9, label=_("Township"),
                                 help_text="The township's 9-digit code.")


class ProjectUpdateSerializer(_ProjectFields):
    """Any of the project's fields (its township stays); the dates are checked together
    with the stored ones by the service."""


class ProjectHouseholdSerializer(serializers.ModelSerializer):
    household_number = serializers.CharField(source="household.number", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = ProjectHousehold
        fields = ["id", "project", "household", "household_number", "area", "area_name",
                  "joined_on", "left_on", "support_given", "support_yuan", "case",
                  "recorded_at"]
        read_only_fields = fields


class ProjectHouseholdAddSerializer(serializers.Serializer):
    household = serializers.IntegerField(min_value=1, label=_("household"))
    joined_on = serializers.DateField(label=_("joined on"))
    support_given = serializers.CharField(max_length=2000, required=False, allow_blank=True,
                                          default="")
    support_yuan = serializers.DecimalField(max_digits=12, decimal_places=2,
                                            min_value=Decimal("0"), default=Decimal("0"),
                                            label=_("support (yuan)"))
    case = serializers.IntegerField(min_value=1, required=False, allow_null=True,
                                    default=None,
                                    help_text="The household's income-project application, "
                                              "if it brought the household.")


class SupportSerializer(serializers.Serializer):
    support_given = serializers.CharField(max_length=2000, allow_blank=True)
    support_yuan = serializers.DecimalField(max_digits=12, decimal_places=2,
                                            min_value=Decimal("0"), label=_("support (yuan)"))


class LeaveSerializer(serializers.Serializer):
    left_on = serializers.DateField(label=_("left on"),
                                    help_text="The first day the household is no longer in "
                                              "the project.")
