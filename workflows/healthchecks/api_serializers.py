"""Health checks in the API: the shapes. Types are checked here, with the field named; the
rules (days inside the year, a result's day within the campaign, a person on the list)
are the services', whose refusals name their field too (``casework.api.errors``)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from casework.healthchecks.models import HealthCheckCampaign, HealthCheckRecord
from casework.healthchecks.selectors import counts_of

Result = HealthCheckRecord.Result
MAX_BATCH = 500
#: the largest id a row can have (a 64-bit key): a larger one is refused here, naming the
#: field, before a lookup of several ids (``pk__in``) hands it to the database driver
ID_MAX = 2**63 - 1


class HealthCheckCounts(serializers.Serializer):
    """A list's numbers (annotated by ``casework.healthchecks.selectors.with_counts``)."""

    listed = serializers.IntegerField(read_only=True, help_text="Members on the list.")
    done = serializers.IntegerField(read_only=True, help_text="Checked.")
    referred = serializers.IntegerField(
        read_only=True, help_text="Checked and referred on for a further look.")
    not_done = serializers.IntegerField(read_only=True, help_text="Did not take the check.")
    pending = serializers.IntegerField(read_only=True, help_text="No result yet.")
    coverage_percent = serializers.DecimalField(
        max_digits=4, decimal_places=1, read_only=True, allow_null=True,
        help_text="(done + referred) / listed in per cent; null when nobody is listed.")


class HealthCheckCampaignSerializer(HealthCheckCounts, serializers.ModelSerializer):
    """A village's health-check campaign of a year, with its coverage."""

    area = serializers.CharField(source="area_id", read_only=True,
                                 help_text="The village's code.")
    area_name = serializers.CharField(source="area.name", read_only=True)
    township = serializers.CharField(source="area.parent_id", read_only=True,
                                     allow_null=True)
    coverage_percent = serializers.SerializerMethodField()

    class Meta:
        model = HealthCheckCampaign
        fields = ["id", "area", "area_name", "township", "year", "first_day", "last_day",
                  "venue", "provider", "funding_yuan", "note", "created_at", "listed", "done",
                  "referred", "not_done", "pending", "coverage_percent"]
        read_only_fields = fields

    @extend_schema_field({"type": "string", "format": "decimal", "nullable": True,
                          "description": "(done + referred) / listed in per cent, one "
                                         "place; null when nobody is listed."})
    def get_coverage_percent(self, campaign) -> str | None:
        value = counts_of(campaign).coverage_percent
        return None if value is None else str(value)


class HealthCheckCampaignCreateSerializer(serializers.Serializer):
    """Open a village's campaign; its member list is generated from the roster."""

    area = serializers.CharField(max_length=12, help_text="The village's 12-digit code.")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    first_day = serializers.DateField(help_text="Inside ``year``.")
    last_day = serializers.DateField(help_text="Inside ``year``, not before ``first_day``.")
    venue = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                  default="")
    provider = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                     default="")
    funding_yuan = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal("0"), required=False,
        default=Decimal("0.00"), help_text="The village collective's funding (yuan).")
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True,
                                 default="")


class HealthCheckCampaignUpdateSerializer(serializers.Serializer):
    """Change a campaign (every field optional; the year and village never change)."""

    first_day = serializers.DateField(required=False)
    last_day = serializers.DateField(required=False)
    venue = serializers.CharField(max_length=200, required=False, allow_blank=True)
    provider = serializers.CharField(max_length=100, required=False, allow_blank=True)
    funding_yuan = serializers.DecimalField(max_digits=12, decimal_places=2,
                                            min_value=Decimal("0"), required=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class HealthCheckRecordSerializer(serializers.ModelSerializer):
    """One member on a campaign's list: whether they were checked, and when. No medical
    detail is kept, by design."""

    name = serializers.CharField(source="person.name", read_only=True)
    household = serializers.CharField(source="person.household.number", read_only=True,
                                      help_text="The household number.")

    class Meta:
        model = HealthCheckRecord
        fields = ["id", "person", "name", "household", "result", "checked_on", "listed_at",
                  "recorded_at"]
        read_only_fields = fields


class HealthCheckResultRowSerializer(serializers.Serializer):
    person = serializers.IntegerField(min_value=1, max_value=ID_MAX,
                                      help_text="The person's id, on the list.")
    result = serializers.ChoiceField(choices=Result.choices)
    checked_on = serializers.DateField(
        required=False, allow_null=True, default=None,
        help_text="The day of the check: required for done and referred, within the "
                  "campaign's days; empty otherwise.")


class HealthCheckResultsBatchSerializer(serializers.Serializer):
    """Results of several members at once: all recorded, or none."""

    results = HealthCheckResultRowSerializer(many=True, allow_empty=False, max_length=MAX_BATCH,
                                  help_text=f"At most {MAX_BATCH} rows.")

    def validate_results(self, rows):
        if not rows:
            raise serializers.ValidationError(_("There are no results to record."))
        return rows


class HealthCheckRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row's place in ``results``, from 1.")
    field = serializers.CharField(help_text="person, result or checked_on.")
    message = serializers.CharField()
    person = serializers.IntegerField(allow_null=True)


class HealthCheckBatchRejectedSerializer(serializers.Serializer):
    """A refused results batch; nothing was recorded. Rows with problems: ``detail``,
    ``code`` (``batch_rejected``) and ``errors``, each with its row and field. A body
    that is not a batch at all (no results, a wrong type) is refused like any input:
    the failing field as its own key with its messages (the ``Error`` shape)."""

    detail = serializers.CharField(required=False)
    code = serializers.CharField(required=False)
    errors = HealthCheckRowErrorSerializer(many=True, required=False)


class HealthCheckRefreshSerializer(serializers.Serializer):
    added = serializers.IntegerField(help_text="Members added to the list.")


class HealthCheckCoverageLineSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    campaigns = serializers.IntegerField()
    funding_yuan = serializers.DecimalField(max_digits=14, decimal_places=2)
    listed = serializers.IntegerField()
    done = serializers.IntegerField()
    referred = serializers.IntegerField()
    not_done = serializers.IntegerField()
    pending = serializers.IntegerField()
    coverage_percent = serializers.DecimalField(max_digits=4, decimal_places=1,
                                                allow_null=True)


class HealthCheckVillageCoverageSerializer(HealthCheckCoverageLineSerializer):
    township = serializers.CharField(allow_null=True)
    campaign = serializers.IntegerField(allow_null=True, help_text="The campaign's id; "
                                        "null when the village has none that year.")


class HealthCheckCoverageSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    area = serializers.CharField(help_text="The area the numbers are for.")
    villages = HealthCheckVillageCoverageSerializer(many=True)
    townships = HealthCheckCoverageLineSerializer(many=True)
    total = HealthCheckCoverageLineSerializer()


def coverage_data(report) -> dict:
    """A ``CoverageReport`` as ``HealthCheckCoverageSerializer`` data."""

    def line(area, counts, campaigns, funding) -> dict:
        return {"code": area.code if area else "", "name": area.name if area else "",
                "campaigns": campaigns, "funding_yuan": funding, **counts.as_dict()}

    villages = [{**line(v.area, v.counts, 1 if v.campaign_id else 0,
                        v.funding_yuan or Decimal("0.00")),
                 "township": v.area.parent_id, "campaign": v.campaign_id}
                for v in report.villages]
    townships = [line(t.area, t.counts, t.campaigns, t.funding_yuan) for t in report.townships]
    total = report.total
    return {"year": report.year, "area": report.area_code, "villages": villages,
            "townships": townships,
            "total": line(total.area, total.counts, total.campaigns, total.funding_yuan)}
