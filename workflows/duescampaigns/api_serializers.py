"""Dues campaigns in the API: shapes, validated at the edge with the field named."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from casework.duescampaigns.models import DuesCampaign
from casework.models import Area, Membership

#: the largest id a row can have (a 64-bit key): a larger one is refused here, naming the
#: field, before a lookup of several ids (``pk__in``) hands it to the database driver
ID_MAX = 2**63 - 1


class DuesCampaignSerializer(serializers.ModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True)
    area_level = serializers.CharField(source="area.level", read_only=True)
    created_by = serializers.SerializerMethodField()

    class Meta:
        model = DuesCampaign
        fields = ["id", "year", "area", "area_name", "area_level", "pilot", "starts_on",
                  "ends_on", "target_percent", "note", "created_by", "created_at"]

    def get_created_by(self, campaign) -> str | None:
        user = campaign.created_by
        return (user.display_name or user.get_username()) if user else None


class DuesCampaignCreateSerializer(serializers.Serializer):
    """A new campaign: a township (or the district for a district-wide one) and a year;
    the period, pilot mark, target and note. The period rules are the service's."""

    area = serializers.CharField(max_length=12, help_text="A township's or the district's "
                                                          "code.")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    pilot = serializers.BooleanField(default=False)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    target_percent = serializers.IntegerField(min_value=0, max_value=100, required=False,
                                              allow_null=True, default=None)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True,
                                 default="")

    def validate_area(self, value: str) -> Area:
        area = Area.objects.filter(code=value).first()
        if area is None or area.level == Area.Level.VILLAGE:
            raise serializers.ValidationError(_("Choose a township or the district."))
        return area


class RateSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()
    pilot = serializers.BooleanField()
    target_percent = serializers.SerializerMethodField()
    members_owing = serializers.IntegerField()
    members_paid = serializers.IntegerField()
    dues_collected_yuan = serializers.DecimalField(max_digits=14, decimal_places=2)
    collection_percent = serializers.DecimalField(max_digits=4, decimal_places=1)

    def get_target_percent(self, rate) -> int | None:
        return rate.campaign.target_percent if rate.campaign else None


class VillageRateSerializer(RateSerializer):
    township = serializers.CharField()
    arrears_url = serializers.SerializerMethodField(
        help_text="The village's arrears list in the staff site, for the year.")

    def get_arrears_url(self, rate) -> str:
        return self.context["arrears_url"](rate.code)


class RatesSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    total = RateSerializer()
    townships = RateSerializer(many=True)
    villages = VillageRateSerializer(many=True)
    campaigns = DuesCampaignSerializer(many=True)


class RatesQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100, required=False)
    area = serializers.CharField(max_length=12, required=False, allow_blank=True)
    as_of = serializers.DateField(required=False)


class EnrolmentEntrySerializer(serializers.Serializer):
    person = serializers.IntegerField(min_value=1, max_value=ID_MAX,
                                      help_text="The person's id.")
    number = serializers.CharField(max_length=30, required=False, allow_blank=True, default="",
                                   help_text="Empty: generated (or a former member's own).")
    joined = serializers.DateField(required=False, allow_null=True, default=None,
                                   help_text="Empty: the drive's joining date.")
    role = serializers.ChoiceField(choices=Membership.Role.choices, required=False,
                                   allow_blank=True, default="")


class MembershipDriveSerializer(serializers.Serializer):
    """Many people of one village enrolled at once (all or nothing)."""

    village = serializers.CharField(max_length=12, help_text="The village's code.")
    joined = serializers.DateField(required=False, allow_null=True, default=None)
    role = serializers.ChoiceField(choices=Membership.Role.choices,
                                   default=Membership.Role.MEMBER)
    generate_numbers = serializers.BooleanField(
        default=True, help_text="Give the entries without a number the village's next "
                                "numbers (<village code>-<year>-0001...); false: every new "
                                "member needs a number.")
    entries = EnrolmentEntrySerializer(many=True, allow_empty=False, max_length=2000)


class EnrolledSerializer(serializers.Serializer):
    person = serializers.IntegerField(source="person_id")
    membership = serializers.IntegerField(source="pk")
    number = serializers.CharField()
    joined = serializers.DateField()
    role = serializers.CharField()


class EnrolmentProblemSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The entry's position in ``entries``.")
    person = serializers.IntegerField(source="person_id")
    field = serializers.CharField()
    message = serializers.CharField()
