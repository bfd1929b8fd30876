"""Contact households in the REST API: what goes out, and input checked at the edge with
the field named (ids resolved within the user's area: an id outside it is "no such ...",
whether it exists or not)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from casework import access
from casework.contacts.models import NOTE_MAX, ContactAssignment, ContactReport, ReportingRound
from casework.models import Area, Household, Person

MAX_BATCH = 200  # households in one request (assumed, set locally: a village's worth)
#: the largest id a row can have (a 64-bit key): a larger one is refused here, naming the
#: field, before a lookup of several ids (``pk__in``) hands it to the database driver
ID_MAX = 2**63 - 1


# --- out -------------------------------------------------------------------------------------

class PersonRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class HouseholdRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()


class AssignmentSerializer(serializers.ModelSerializer):
    contact = PersonRefSerializer(read_only=True)
    household = HouseholdRefSerializer(read_only=True)
    village = serializers.CharField(source="area_id", read_only=True)

    class Meta:
        model = ContactAssignment
        fields = ["id", "contact", "household", "village", "since", "until", "created_at"]


class RoundSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area_id", read_only=True)
    area_name = serializers.CharField(source="area.name", read_only=True)
    ends_on = serializers.DateField(read_only=True,
                                    help_text="The last reporting day: last_day, or the "
                                              "closing day if earlier.")
    days_of_month = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = ReportingRound
        fields = ["id", "area", "area_name", "title", "reason", "schedule", "days_of_month",
                  "first_day", "last_day", "ends_on", "created_at", "closed_at"]


class ReportSerializer(serializers.ModelSerializer):
    contact = PersonRefSerializer(read_only=True)
    household = HouseholdRefSerializer(read_only=True)
    village = serializers.CharField(source="area_id", read_only=True)
    # plain text here, the enum documented on the input (``ReportEntry``): one component
    # per choice set keeps the schema's enum names free of collisions
    status = serializers.CharField(read_only=True,
                                   help_text="all_well, to_report or not_reached.")

    class Meta:
        model = ContactReport
        fields = ["id", "round", "report_date", "contact", "household", "village", "status",
                  "note", "recorded_at"]


class MissingSerializer(serializers.Serializer):
    contact = PersonRefSerializer()
    household = HouseholdRefSerializer()
    village = serializers.CharField(source="village_code")
    days = serializers.ListField(child=serializers.DateField())


class MissingListSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    date = serializers.DateField(allow_null=True, help_text="The day asked about; null for "
                                                            "the whole round up to up_to.")
    up_to = serializers.DateField()
    results = MissingSerializer(many=True)


class CountsSerializer(serializers.Serializer):
    village = serializers.CharField(source="village.code")
    name = serializers.CharField(source="village.name")
    day_expected = serializers.IntegerField()
    day_received = serializers.IntegerField()
    day_missing = serializers.IntegerField()
    round_expected = serializers.IntegerField()
    round_received = serializers.IntegerField()
    round_missing = serializers.IntegerField()


class RollupSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    day = serializers.DateField()
    up_to = serializers.DateField()
    villages = CountsSerializer(many=True, source="rows")
    total = CountsSerializer()


# --- in --------------------------------------------------------------------------------------

def _user(serializer) -> object:
    return serializer.context["request"].user


class AssignmentCreateSerializer(serializers.Serializer):
    contact = serializers.IntegerField(min_value=1, max_value=ID_MAX,
                                       help_text="The member's person id.")
    households = serializers.ListField(child=serializers.IntegerField(min_value=1,
                                                                      max_value=ID_MAX),
                                       min_length=1,
                                       max_length=MAX_BATCH)
    since = serializers.DateField(required=False, help_text="Default: today.")

    def validate_contact(self, value: int) -> Person:
        person = (Person.objects.filter(access.area_q(_user(self),
                                                      area_field="household__area",
                                                      household_field=None), pk=value)
                  .select_related("household").first())
        if person is None:
            raise serializers.ValidationError(_("No such person in your area."))
        return person

    def validate_households(self, value: list[int]) -> list[Household]:
        found = Household.objects.filter(access.area_q(_user(self), household_field=""),
                                         pk__in=value).in_bulk()
        unknown = [pk for pk in value if pk not in found]
        if unknown:
            raise serializers.ValidationError(_("No such household in your area: %(ids)s.") % {
                "ids": ", ".join(str(pk) for pk in unknown)})
        return [found[pk] for pk in value]


class EndAssignmentSerializer(serializers.Serializer):
    until = serializers.DateField(required=False,
                                  help_text="The first day without the contact member "
                                            "(default: today).")


class RoundCreateSerializer(serializers.Serializer):
    area = serializers.CharField(max_length=12, help_text="A village's or a township's code.")
    title = serializers.CharField(max_length=120)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)
    schedule = serializers.ChoiceField(choices=ReportingRound.Schedule.choices,
                                       default=ReportingRound.Schedule.DAILY)
    days_of_month = serializers.ListField(child=serializers.IntegerField(min_value=1,
                                                                         max_value=31),
                                          required=False, max_length=31)
    first_day = serializers.DateField()
    last_day = serializers.DateField()

    def validate_area(self, value: str) -> Area:
        user = _user(self)
        area = Area.objects.filter(code=value).first()
        # the user's area, an area in it, or one above it (a village's staff know their
        # township: the service then says who may open its rounds)
        if area is None or not (access.in_scope(user, area.code, None)
                                or (user.area_id or "").startswith(area.code)):
            raise serializers.ValidationError(_("No such area among yours."))
        return area


class ReportEntrySerializer(serializers.Serializer):
    household = serializers.IntegerField(min_value=1, max_value=ID_MAX)
    status = serializers.ChoiceField(choices=ContactReport.Status.choices)
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True,
                                 default="", help_text="Short; no medical detail.")


class ReportFileSerializer(serializers.Serializer):
    """A contact member's report for a day: one entry per household they looked after."""

    report_date = serializers.DateField()
    contact = serializers.IntegerField(min_value=1, max_value=ID_MAX,
                                       help_text="The contact member's person id.")
    entries = ReportEntrySerializer(many=True, allow_empty=False)

    def validate_contact(self, value: int) -> Person:
        person = (Person.objects.filter(access.area_q(_user(self),
                                                      area_field="household__area",
                                                      household_field=None), pk=value)
                  .select_related("household").first())
        if person is None:
            raise serializers.ValidationError(_("No such person in your area."))
        return person

    def validate(self, attrs):
        ids = [e["household"] for e in attrs["entries"]]
        if len(ids) > MAX_BATCH:
            raise serializers.ValidationError({"entries": [_("Too many households.")]})
        found = Household.objects.filter(access.area_q(_user(self), household_field=""),
                                         pk__in=ids).in_bulk()
        unknown = [pk for pk in ids if pk not in found]
        if unknown:
            raise serializers.ValidationError({"household": [
                _("No such household in your area: %(ids)s.") % {
                    "ids": ", ".join(str(pk) for pk in unknown)}]})
        attrs["households"] = found
        return attrs


class DayQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False)
    village = serializers.CharField(required=False, max_length=12)
