"""The organisation API's shapes: what it shows, and the input it takes, validated at the
edge with the field named (counts are whole numbers, zero or more; dates are dates). The
services check the rest (``casework.organisation.services``)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from casework.organisation.models import (
    ActivityDay,
    Assessment,
    AssessmentCriterion,
    AssessmentScore,
    OfficeHolder,
    OrgUnit,
    TrainingAttendance,
    TrainingSession,
)

COUNT = {"min_value": 0, "max_value": 2_000_000_000}
#: the largest id a row can have (a 64-bit key): a larger one is refused here, naming the
#: field, before a lookup of several ids (``pk__in``) hands it to the database driver
ID_MAX = 2**63 - 1


class OrgUnitSerializer(serializers.ModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = OrgUnit
        fields = ["id", "kind", "name", "area", "area_name", "parent", "enterprise_name",
                  "basis", "leader_name", "member_count", "founded_on", "dissolved_on", "note"]


class OrgUnitCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=OrgUnit.Kind.choices, label=_("kind of unit"))
    area = serializers.CharField(max_length=12, label=_("area"),
                                 help_text="Area code: the unit's own area for a level "
                                           "association; a township or village for an "
                                           "enterprise association or migrant group.")
    name = serializers.CharField(max_length=100, label=_("name"))
    parent = serializers.IntegerField(required=False, allow_null=True, label=_("parent unit"),
                                      help_text="Left out: the live association above.")
    enterprise_name = serializers.CharField(max_length=100, required=False, allow_blank=True,
                                            default="")
    basis = serializers.ChoiceField(choices=OrgUnit.Basis.choices, required=False,
                                    allow_blank=True, default="")
    leader_name = serializers.CharField(max_length=60, required=False, allow_blank=True,
                                        default="")
    member_count = serializers.IntegerField(required=False, default=0, **COUNT)
    founded_on = serializers.DateField(label=_("founded on"))
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class OrgUnitUpdateSerializer(serializers.Serializer):
    """The particulars to change (the others stay)."""

    name = serializers.CharField(max_length=100, required=False)
    enterprise_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    basis = serializers.ChoiceField(choices=OrgUnit.Basis.choices, required=False,
                                    allow_blank=True)
    leader_name = serializers.CharField(max_length=60, required=False, allow_blank=True)
    member_count = serializers.IntegerField(required=False, **COUNT)
    founded_on = serializers.DateField(required=False)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class OrgUnitEndSerializer(serializers.Serializer):
    dissolved_on = serializers.DateField(label=_("dissolved on"),
                                         help_text="The first day the unit no longer exists.")


class OfficeHolderSerializer(serializers.ModelSerializer):
    class Meta:
        model = OfficeHolder
        fields = ["id", "unit", "area", "office", "name", "sex", "person", "since", "until",
                  "note"]


class OfficeHolderCreateSerializer(serializers.Serializer):
    office = serializers.ChoiceField(choices=OfficeHolder.Office.choices, label=_("office"))
    person = serializers.IntegerField(required=False, allow_null=True, label=_("person"),
                                      help_text="A person of the roster in the unit's area; "
                                                "gives the name and sex.")
    name = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    sex = serializers.ChoiceField(choices=OfficeHolder.Sex.choices, required=False,
                                  allow_blank=True, default="")
    since = serializers.DateField(label=_("in office since"))
    until = serializers.DateField(required=False, allow_null=True, default=None,
                                  help_text="The first day no longer in office.")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class OfficeHolderEndSerializer(serializers.Serializer):
    until = serializers.DateField(label=_("in office until"),
                                  help_text="The first day no longer in office.")


class TrainingSessionSerializer(serializers.ModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True)
    named_attendees = serializers.IntegerField(source="named", read_only=True, default=0,
                                               help_text="Attendees recorded by name.")

    class Meta:
        model = TrainingSession
        fields = ["id", "area", "area_name", "title", "topics", "first_day", "last_day",
                  "venue", "audience", "other_attendees", "named_attendees"]


class TrainingSessionCreateSerializer(serializers.Serializer):
    area = serializers.CharField(max_length=12, label=_("organised by (area)"))
    title = serializers.CharField(max_length=120, label=_("title"))
    topics = serializers.CharField(max_length=4000, required=False, allow_blank=True,
                                   default="")
    first_day = serializers.DateField(label=_("first day"))
    last_day = serializers.DateField(label=_("last day"))
    venue = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    audience = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                     default="")
    other_attendees = serializers.IntegerField(required=False, default=0, **COUNT)

    def validate(self, data):
        if data["last_day"] < data["first_day"]:
            raise serializers.ValidationError({"last_day": [_("The last day is before the "
                                                              "first.")]})
        return data


class AttendanceSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrainingAttendance
        fields = ["id", "person", "name", "role", "area"]


class AttendeeInputSerializer(serializers.Serializer):
    person = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                      max_value=ID_MAX,
                                      help_text="A person of the roster in the organiser's "
                                                "area; or give name (and area).")
    name = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    role = serializers.CharField(max_length=60, required=False, allow_blank=True, default="",
                                 help_text="What they attended as, e.g. 村级秘书长.")
    area = serializers.CharField(max_length=12, required=False, allow_blank=True, default="",
                                 help_text="Where someone not on the roster came from "
                                           "(the organiser's area when left out).")


class AttendanceSetSerializer(serializers.Serializer):
    """The named attendees (they replace those recorded before, or only those of
    ``within``) and the count of the others."""

    attendees = AttendeeInputSerializer(many=True)
    other_attendees = serializers.IntegerField(**COUNT)
    within = serializers.CharField(max_length=12, required=False, allow_blank=True,
                                   default="",
                                   help_text="Replace only the attendees of this area.")


class ActivityDaySerializer(serializers.ModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = ActivityDay
        fields = ["id", "area", "area_name", "kind", "held_on", "title", "sessions_held",
                  "people_examined", "materials_distributed", "spending_yuan", "note"]


class ActivityDayCreateSerializer(serializers.Serializer):
    area = serializers.CharField(max_length=12, label=_("organised by (area)"))
    kind = serializers.ChoiceField(choices=ActivityDay.Kind.choices,
                                   default=ActivityDay.Kind.MEMBER_DAY_529)
    held_on = serializers.DateField(label=_("held on"))
    title = serializers.CharField(max_length=120, label=_("title"))
    sessions_held = serializers.IntegerField(required=False, default=0, **COUNT)
    people_examined = serializers.IntegerField(required=False, default=0, **COUNT)
    materials_distributed = serializers.IntegerField(required=False, default=0, **COUNT)
    spending_yuan = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0,
                                             required=False, default=0)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class AssessmentCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssessmentCriterion
        fields = ["id", "code", "position", "text_zh", "text_en", "max_score",
                  "effective_from", "effective_to", "source"]
        extra_kwargs = {"max_score": {"help_text": "Assumed, set locally."}}


class AssessmentScoreSerializer(serializers.ModelSerializer):
    criterion = serializers.CharField(source="criterion.code")

    class Meta:
        model = AssessmentScore
        fields = ["criterion", "score"]


class AssessmentSerializer(serializers.ModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True)
    assessed_by = serializers.CharField(source="assessed_by.username", read_only=True)
    scores = AssessmentScoreSerializer(many=True, read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "area", "area_name", "year", "assessed_by", "assessed_on", "note",
                  "total", "max_total", "rating", "scores"]
        extra_kwargs = {"rating": {"help_text": "Thresholds assumed, set locally."}}


class AssessmentScoreInputSerializer(serializers.Serializer):
    criterion = serializers.CharField(max_length=30, help_text="The criterion's code.")
    score = serializers.IntegerField(min_value=0, max_value=1000)


class AssessmentCreateSerializer(serializers.Serializer):
    area = serializers.CharField(max_length=12, label=_("village"))
    year = serializers.IntegerField(min_value=2000, max_value=2100, label=_("year"))
    assessed_on = serializers.DateField(label=_("assessed on"))
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    scores = AssessmentScoreInputSerializer(many=True)
    revise = serializers.BooleanField(required=False, default=False,
                                      help_text="Replace the scores of an assessment "
                                                "already made for that village and year.")

    def validate_scores(self, value):
        codes = [row["criterion"] for row in value]
        if len(codes) != len(set(codes)):
            raise serializers.ValidationError(_("A criterion is scored twice."))
        return value
