"""API shapes of the assistance pairings: types, formats and lengths checked at the edge
with the field named; the rules (dates in order, the period free, who may keep) are the
services' (``casework.pairings.services``), whose refusals name their field too."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from casework.models import User
from casework.pairings.models import PairingContract, PairingVisit, Partner
from casework.uploads import check_upload

ID_MAX = 2**31 - 1


class PartnerSerializer(serializers.ModelSerializer):
    """A pairing partner (帮扶人): a person (``person``: their id in the roster, when they
    are in it) or an enterprise, the trade they lead, and the township or village they
    work in (``area``, a code). Sent to add one; ``name`` may be left out for a person of
    the roster."""

    name = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                 label=_("partner's name"))
    person = serializers.IntegerField(source="person_id", required=False, allow_null=True,
                                      min_value=1, max_value=ID_MAX,
                                      label=_("person in the roster"))
    area = serializers.CharField(source="area_id", max_length=12, label=_("township or "
                                                                            "village"))
    area_name = serializers.CharField(source="area.name", read_only=True)
    trade = serializers.CharField(max_length=200, label=_("trade"))

    class Meta:
        model = Partner
        ref_name = "PairingPartner"
        fields = ["id", "kind", "name", "person", "trade", "area", "area_name", "active",
                  "created_at"]
        read_only_fields = ["id", "active", "created_at"]


class PartnerBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Partner
        ref_name = "PairingPartnerBrief"
        fields = ["id", "name", "trade", "area"]
        read_only_fields = fields


class ContractSerializer(serializers.ModelSerializer):
    """A pairing contract: the household (id and number), its village, the partner, the
    granted application it follows (if any), the dates (``last_day`` is the day before an
    early end, else ``ends_on``), what was agreed, the state, and where to fetch the
    scanned copy (the staff page's download, null without one)."""

    household_number = serializers.CharField(source="household.number", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    partner = PartnerBriefSerializer(read_only=True)
    last_day = serializers.DateField(read_only=True)
    document_url = serializers.SerializerMethodField()
    visit_count = serializers.SerializerMethodField()

    class Meta:
        model = PairingContract
        ref_name = "PairingContract"
        fields = ["id", "household", "household_number", "area", "area_name", "partner",
                  "case", "signed_on", "starts_on", "ends_on", "last_day", "terms", "state",
                  "ended_on", "end_reason", "document_url", "visit_count", "created_at"]
        read_only_fields = fields

    def get_document_url(self, contract) -> str | None:
        if not contract.document:
            return None
        request = self.context.get("request")
        if request is not None and getattr(request.user, "role", None) == User.Role.FAMILY:
            return reverse("family:pairings_document", args=[contract.pk])
        return reverse("pairings:contract_document", args=[contract.pk])

    def get_visit_count(self, contract) -> int:
        return getattr(contract, "visit_count", 0) or 0


class ContractCreateSerializer(serializers.Serializer):
    """A signed contract to record: the household and partner (ids), the granted
    assistance-pairing application (optional), the dates (``ends_on`` is the last day),
    what the partner will do, and the scanned contract (optional; multipart)."""

    household = serializers.IntegerField(min_value=1, max_value=ID_MAX, label=_("household"))
    partner = serializers.IntegerField(min_value=1, max_value=ID_MAX, label=_("partner"))
    case = serializers.IntegerField(min_value=1, max_value=ID_MAX, required=False,
                                    allow_null=True, label=_("application"))
    signed_on = serializers.DateField(label=_("signed on"))
    starts_on = serializers.DateField(label=_("starts on"))
    ends_on = serializers.DateField(label=_("ends on"))
    terms = serializers.CharField(max_length=4000, label=_("what the partner will do"))
    document = serializers.FileField(required=False, allow_null=True,
                                     label=_("scanned contract"))

    def validate_document(self, value):
        if value:
            from django.core.exceptions import ValidationError

            try:
                check_upload(value)
            except ValidationError as exc:
                raise serializers.ValidationError(exc.messages) from None
        return value

    class Meta:
        ref_name = "PairingContractCreate"


class ContractEndSerializer(serializers.Serializer):
    ended_on = serializers.DateField(label=_("ended early on"))
    end_reason = serializers.CharField(max_length=4000, label=_("why it ended early"))

    class Meta:
        ref_name = "PairingContractEnd"


class VisitSerializer(serializers.ModelSerializer):
    """A visit under a contract; sent to record one (``visitor_name`` defaults to the
    partner's for the partner's own visit)."""

    visitor_name = serializers.CharField(max_length=60, required=False, allow_blank=True,
                                         label=_("visitor's name"))
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True,
                                 label=_("what was done"))

    class Meta:
        model = PairingVisit
        ref_name = "PairingVisit"
        fields = ["id", "contract", "visited_on", "visited_by", "visitor_name", "note",
                  "recorded_at"]
        read_only_fields = ["id", "contract", "recorded_at"]
