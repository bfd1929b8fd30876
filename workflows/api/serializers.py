"""API shapes. Validation at the edge, messages in the user's language, fields named."""

import functools

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from casework.field_rules import clean_text
from casework.models import (
    AuditEvent,
    Case,
    Decision,
    Document,
    Entitlement,
    EntitlementRenewal,
    Household,
    Objection,
    Person,
    User,
)
from casework.personal.identity import mask_resident_id, parse_resident_id
from casework.personal.phones import clean_mobile_phone, mask_phone
from casework.services import card_benefit_lines
from casework.uploads import check_upload
from eligibility.models import PolicyParameter, Program
from eligibility.units import UNIT_OF
from workflows.deadlines.services import is_overdue, open_due_at
from workflows.recertification.flow import REVIEW_STEP
from workflows.steps import APPEAL_REVIEW, DECISION_STEPS

from ..models import Recertification


class ProgramSerializer(serializers.ModelSerializer):
    unit = serializers.SerializerMethodField(
        help_text="What one grant covers: person, couple or household (eligibility.units).")

    class Meta:
        model = Program
        fields = ["code", "name_zh", "name_en", "is_cash", "active", "unit"]

    def get_unit(self, program) -> str:
        return UNIT_OF.get(program.code, "person")


class PolicyParameterSerializer(serializers.ModelSerializer):
    """A policy value in force, with where it comes from: ``source`` reads "document,
    location" or "assumed, set locally" (in the caller's language); ``assumed`` is true
    for every value the association's own records do not state."""

    source = serializers.CharField(source="source_label")

    class Meta:
        model = PolicyParameter
        fields = ["key", "value", "effective_from", "effective_to", "source_document",
                  "source_location", "assumed", "source"]


class MeSerializer(serializers.ModelSerializer):
    area = serializers.CharField(source="area_id", allow_null=True)
    area_name = serializers.CharField(source="area.name", allow_null=True, default=None)

    class Meta:
        model = User
        fields = ["username", "role", "area", "area_name", "household", "display_name"]


class PersonSerializer(serializers.ModelSerializer):
    """A household member. ``id_number`` and ``phone`` are masked (``330703********123X``,
    ``138****5678``) unless the serializer that holds this one put the person's id in
    ``context["full_identity"]``: a detail view that applied the rule and recorded the view
    (``casework.selectors.identities_shown``, recorded by the view with
    ``casework.privacy.access_log.record_reveal``). Lists are always masked."""

    id_number = serializers.SerializerMethodField(
        help_text="Masked, or in full for the village reviewer, township and district "
                  "approvers and administrator of the person's area on a household's "
                  "detail (each such view recorded).")
    phone = serializers.SerializerMethodField(help_text="Masked or in full, as id_number.")
    is_member = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = ["id", "name", "id_number", "sex", "birth_date", "relationship", "phone",
                  "pension_insured", "is_member"]

    def _full(self, person) -> bool:
        return person.pk in self.context.get("full_identity", ())

    def get_id_number(self, person) -> str:
        return person.id_number if self._full(person) else mask_resident_id(person.id_number)

    def get_phone(self, person) -> str:
        return person.phone if self._full(person) else mask_phone(person.phone)

    def get_is_member(self, person) -> bool:
        return hasattr(person, "membership")


class HouseholdSerializer(serializers.ModelSerializer):
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = Household
        fields = ["id", "number", "area", "area_name", "address", "registration",
                  "one_child_certificate_date", "two_daughter_household",
                  "second_birth_renounced_date", "hardship", "special_family",
                  "annual_income_yuan", "paired"]


class HouseholdDetailSerializer(HouseholdSerializer):
    """One household with its members: their full identity and phone numbers for those
    whose work needs them (``casework.access.may_see_full_identity``), each view recorded
    with its purpose; masked for everyone else."""

    members = PersonSerializer(many=True, read_only=True)

    class Meta(HouseholdSerializer.Meta):
        fields = HouseholdSerializer.Meta.fields + ["members"]


class MemberInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60, label=_("name"))
    id_number = serializers.CharField(max_length=18, label=_("resident identity number"))
    relationship = serializers.ChoiceField(choices=Person.Relationship.choices,
                                           default=Person.Relationship.HEAD)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True,
                                  label=_("phone"))
    pension_insured = serializers.BooleanField(default=False)
    member_number = serializers.CharField(max_length=30, required=False, allow_blank=True)

    def validate_name(self, value: str) -> str:
        """The person's name field's rule (``casework.field_rules``), stored without
        invisible characters."""
        from django.core.exceptions import ValidationError

        try:
            return clean_text(Person, "name", value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def validate_id_number(self, value: str) -> str:
        from django.core.exceptions import ValidationError

        try:
            return parse_resident_id(value).number
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None

    def validate_phone(self, value: str) -> str:
        from django.core.exceptions import ValidationError

        try:
            return clean_mobile_phone(value)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


class HouseholdCreateSerializer(HouseholdSerializer):
    members = MemberInputSerializer(many=True)

    class Meta(HouseholdSerializer.Meta):
        fields = HouseholdSerializer.Meta.fields + ["members"]

    def validate_members(self, members):
        if not members:
            raise serializers.ValidationError(_("A household needs at least one member."))
        numbers = [m["id_number"] for m in members]
        if len(set(numbers)) != len(numbers):
            raise serializers.ValidationError(_("The same resident identity number appears "
                                                "twice."))
        taken = set(Person.objects.filter(id_number__in=numbers).values_list("id_number",
                                                                              flat=True))
        if taken:
            raise serializers.ValidationError(
                _("Already registered: %(ids)s") % {"ids": ", ".join(
                    mask_resident_id(n) for n in sorted(taken))})
        return members


class CriterionSerializer(serializers.Serializer):
    code = serializers.CharField()
    passed = serializers.BooleanField()
    reason = serializers.CharField()


class EligibilitySerializer(serializers.Serializer):
    eligible = serializers.BooleanField(allow_null=True)
    rule_version = serializers.CharField()
    criteria = CriterionSerializer(many=True)


def eligibility_payload(case: Case, language: str) -> dict:
    criteria = case.eligibility.get("criteria", [])
    key = "reason_en" if language.startswith("en") else "reason_zh"
    return {
        "eligible": case.eligible,
        "rule_version": case.rule_version,
        "criteria": [{"code": c["code"], "passed": c["passed"], "reason": c.get(key, "")}
                     for c in criteria],
    }


def _moment(value, zone) -> str:
    """``value`` as DRF's ``DateTimeField`` writes it (ISO 8601 in the current time zone,
    ``Z`` for UTC), for rows written by hand."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class CaseSerializer(serializers.ModelSerializer):
    program = serializers.CharField(source="program.code")
    program_name = serializers.SerializerMethodField()
    area = serializers.CharField(source="area_id")
    area_name = serializers.CharField(source="area.name")
    applicant_name = serializers.CharField(source="applicant.name")
    eligibility = serializers.SerializerMethodField()
    due_at = serializers.SerializerMethodField(
        help_text="Deadline of the step the case waits in; null when none runs.")
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = ["id", "status", "program", "program_name", "household", "applicant",
                  "applicant_name", "area", "area_name", "statement", "submitted_at",
                  "closed_at", "on_behalf", "due_at", "overdue", "eligibility"]

    @staticmethod
    def _due(case):
        """The open step's deadline, read once for both fields (a list annotates it)."""
        if not hasattr(case, "open_due_at"):
            case.open_due_at = open_due_at(case)
        return case.open_due_at

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_due_at(self, case) -> str | None:
        due = self._due(case)
        return serializers.DateTimeField().to_representation(due) if due else None

    def get_overdue(self, case) -> bool:
        return is_overdue(self._due(case))

    def _language(self) -> str:
        request = self.context.get("request")
        return getattr(request, "LANGUAGE_CODE", "zh-hans") if request else "zh-hans"

    def to_representation(self, case) -> dict:
        """The case written directly, not field by field (as ``TaskSerializer``: lists of
        cases are the most read pages after the inbox); what DRF's fields would write,
        which ``tests/api/test_case_rows.py`` compares."""
        language, zone, due = self._language(), timezone.get_current_timezone(), self._due(case)
        return {
            "id": case.pk, "status": case.status, "program": case.program.code,
            "program_name": case.program.display_name(language),
            "household": case.household_id, "applicant": case.applicant_id,
            "applicant_name": case.applicant.name, "area": case.area_id,
            "area_name": case.area.name, "statement": case.statement,
            "submitted_at": _moment(case.submitted_at, zone) if case.submitted_at else None,
            "closed_at": _moment(case.closed_at, zone) if case.closed_at else None,
            "on_behalf": case.on_behalf,
            "due_at": _moment(due, zone) if due else None, "overdue": is_overdue(due),
            "eligibility": eligibility_payload(case, language),
        }

    def get_program_name(self, case) -> str:
        return case.program.display_name(self._language())

    @extend_schema_field(EligibilitySerializer)
    def get_eligibility(self, case) -> dict:
        return eligibility_payload(case, self._language())


class CaseCreateSerializer(serializers.Serializer):
    household = serializers.IntegerField(label=_("household"))
    program = serializers.SlugField(label=_("program"))
    applicant = serializers.IntegerField(label=_("applicant"))
    statement = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    consent = serializers.BooleanField(
        label=_("consent"),
        help_text="The applicant agrees to the personal-data notice (required, true).")
    project = serializers.IntegerField(
        label=_("project"), required=False, allow_null=True, min_value=1,
        help_text="An income-project application: the id of the 少生快富 project the "
                  "household applies to join, one open in its township (required for that "
                  "program; `GET /api/v1/income-projects/`).")

    def validate_consent(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                _("Please agree to the use of your family's personal data for this "
                  "application."))
        return value


class DecisionSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username")

    class Meta:
        model = Decision
        fields = ["step", "outcome", "reason", "actor", "decided_at"]


class EntitlementRenewalSerializer(serializers.ModelSerializer):
    class Meta:
        model = EntitlementRenewal
        fields = ["year", "valid_from", "valid_to", "amount_yuan", "renewed_at"]


class EntitlementSerializer(serializers.ModelSerializer):
    """An entitlement: its current period (``valid_to`` moves on with each renewal), how it
    ended if it did, its renewals, and what its card gives (``benefits``: the medical
    card's 一免二优六减半, a line per group in the caller's language)."""

    program = serializers.CharField(source="program.code")
    benefits = serializers.SerializerMethodField()
    renewals = EntitlementRenewalSerializer(many=True, read_only=True)

    class Meta:
        model = Entitlement
        fields = ["number", "program", "unit_key", "amount_yuan", "valid_from", "valid_to",
                  "state", "ended_on", "end_reason", "issued_at", "renewals", "benefits"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_benefits(self, entitlement) -> list[str]:
        return card_benefit_lines(entitlement.case, get_language() or "zh-hans")


class OpenTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    step = serializers.CharField()
    created = serializers.DateTimeField()


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ["id", "kind", "description", "uploaded_at"]


class ObjectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Objection
        fields = ["id", "lodged_by_name", "text", "lodged_at", "resolved_at", "upheld",
                  "resolution"]
        read_only_fields = ["id", "lodged_at", "resolved_at", "upheld", "resolution"]


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)

    class Meta:
        model = AuditEvent
        fields = ["seq", "at", "actor", "action", "from_status", "to_status", "detail"]


class BrokenEventSerializer(serializers.Serializer):
    seq = serializers.IntegerField()
    reason = serializers.CharField()


class CheckpointRefSerializer(serializers.Serializer):
    sealed_at = serializers.DateTimeField()
    root = serializers.CharField()


class DisagreementSerializer(serializers.Serializer):
    seq = serializers.IntegerField(allow_null=True,
                                   help_text="the event the row contradicts; null: no event "
                                             "accounts for the row")
    what = serializers.CharField()
    expected = serializers.CharField(help_text="what the verified history says")
    found = serializers.CharField(help_text="what the row holds")


class CaseVerificationSerializer(serializers.Serializer):
    case = serializers.IntegerField()
    intact = serializers.BooleanField(
        help_text="the chain holds, its newest event is sealed, and no row disagrees")
    events = serializers.IntegerField(help_text="events checked before any break")
    first_broken = BrokenEventSerializer(allow_null=True)
    head_sealed_by = serializers.ChoiceField(
        choices=["signature", "checkpoint", ""],
        help_text="what vouches for the newest event: its own seal, or (written before "
                  "seals) the newest signed checkpoint; empty when broken or empty")
    disagreements = DisagreementSerializer(
        many=True, help_text="rows (status, decisions, entitlement...) that contradict the "
                             "history; compared only when the chain verifies")
    checkpoint = CheckpointRefSerializer(
        allow_null=True, help_text="the latest signed checkpoint sealed since submission")


class TaskSerializer(serializers.Serializer):
    """An open task of the inbox (``selectors.InboxRow``): an application's step, or a
    re-certification review (whose case is the one that granted the entitlement under
    review), or an appeal's review.

    The fields say the schema (the OpenAPI document); the row is written by
    ``to_representation`` directly, not field by field: the inbox is the most read page,
    and DRF's per-field machinery cost more than the statements behind it. A test holds
    the two to the same keys and types (``tests/api/test_task_list_rows.py``)."""

    id = serializers.IntegerField()
    case = serializers.IntegerField(allow_null=True)
    step = serializers.CharField()
    action = serializers.ChoiceField(
        choices=["decide", "resubmit", "recertify", "appeal"],
        help_text="decide: POST /tasks/{id}/decision/; resubmit: POST /cases/{case}/resubmit/; "
                  "recertify: POST /tasks/{id}/recertification/; "
                  "appeal: POST /tasks/{id}/appeal/")
    created = serializers.DateTimeField()
    due_at = serializers.DateTimeField(
        allow_null=True,
        help_text="End of the step's last working day (Asia/Shanghai); null if untimed.")
    overdue = serializers.BooleanField()
    escalated = serializers.BooleanField()
    program = serializers.CharField(allow_null=True)
    area = serializers.CharField(allow_null=True)
    applicant_name = serializers.CharField(allow_null=True)

    @staticmethod
    @functools.cache
    def _actions() -> dict[str, str]:
        return {REVIEW_STEP: "recertify", APPEAL_REVIEW: "appeal",
                **dict.fromkeys(DECISION_STEPS, "decide")}

    def to_representation(self, row) -> dict:
        zone, now, case = timezone.get_current_timezone(), timezone.now(), row.case
        return {
            "id": row.id,
            "case": case.pk if case else None,
            "step": row.step,
            "action": self._actions().get(row.step, "resubmit"),
            "created": _moment(row.created, zone),
            "due_at": _moment(row.due_at, zone) if row.due_at else None,
            "overdue": is_overdue(row.due_at, now=now),
            "escalated": row.escalated_at is not None,
            "program": case.program_code if case else None,
            "area": case.area_id if case else None,
            "applicant_name": case.applicant_name if case else None,
        }


class TaskDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.Outcome.choices, label=_("decision"))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                   label=_("reason"))

    def validate(self, attrs):
        if attrs["decision"] in (Decision.Outcome.REJECT, Decision.Outcome.RETURN) and not (
            attrs.get("reason") or ""
        ).strip():
            raise serializers.ValidationError(
                {"reason": [_("A reason is required to reject or return a case.")]})
        return attrs


class RecertificationDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[("continue", _("continue the entitlement")),
                 ("end", _("end the entitlement"))], label=_("decision"))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                   label=_("reason"))

    def validate(self, attrs):
        if attrs["decision"] == "end" and not (attrs.get("reason") or "").strip():
            raise serializers.ValidationError(
                {"reason": [_("A reason is required to end an entitlement.")]})
        return attrs


class RecertificationSerializer(serializers.ModelSerializer):
    entitlement = serializers.CharField(source="entitlement.number")
    failed = serializers.SerializerMethodField()
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True,
                                       default=None)

    class Meta:
        model = Recertification
        fields = ["id", "year", "entitlement", "case", "area", "outcome", "reason",
                  "rule_version", "failed", "decided_by", "decided_at", "created"]

    def get_failed(self, recertification) -> list[str]:
        return [c["code"] for c in recertification.decision.get("criteria", [])
                if not c["passed"]]


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ResubmitSerializer(serializers.Serializer):
    statement = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=40, label=_("kind"))
    file = serializers.FileField(label=_("file"))
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)

    def validate_file(self, file):
        from django.core.exceptions import ValidationError

        try:
            check_upload(file)
        except ValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return file


class CaseDetailSerializer(CaseSerializer):
    """GET /cases/{id}/: the case with its open tasks, decisions, entitlement,
    documents and objections. ``open_tasks`` is passed in the context (viewflow rows)."""

    open_tasks = serializers.SerializerMethodField()
    decisions = DecisionSerializer(many=True, read_only=True)
    entitlement = serializers.SerializerMethodField()
    documents = DocumentSerializer(many=True, read_only=True)
    objections = ObjectionSerializer(many=True, read_only=True)

    class Meta(CaseSerializer.Meta):
        fields = CaseSerializer.Meta.fields + ["open_tasks", "decisions", "entitlement",
                                               "documents", "objections"]

    def to_representation(self, case) -> dict:
        """The case's fields as ``CaseSerializer`` writes them, then the file's parts."""
        data = super().to_representation(case)
        for name in ("open_tasks", "decisions", "entitlement", "documents", "objections"):
            field = self.fields[name]
            data[name] = field.to_representation(field.get_attribute(case))
        return data

    @extend_schema_field(OpenTaskSerializer(many=True))
    def get_open_tasks(self, case) -> list:
        return OpenTaskSerializer(self.context.get("open_tasks", []), many=True).data

    @extend_schema_field(EntitlementSerializer(allow_null=True))
    def get_entitlement(self, case):
        entitlement = getattr(case, "entitlement", None) if hasattr(case, "entitlement") else None
        return EntitlementSerializer(entitlement).data if entitlement else None


class AppealSerializer(serializers.Serializer):
    """An appeal against a rejection (``workflows.appeals``)."""

    id = serializers.IntegerField()
    case = serializers.IntegerField(source="case_id")
    decision = serializers.IntegerField(source="decision_id",
                                        help_text="the rejection appealed (a decision id)")
    appealed_step = serializers.CharField()
    review_role = serializers.CharField(help_text="the role that reviews it (the level above)")
    grounds = serializers.CharField()
    lodged_by = serializers.CharField(source="lodged_by.username")
    on_behalf = serializers.BooleanField()
    lodged_at = serializers.DateTimeField()
    deadline = serializers.DateField(help_text="the last day an appeal could be lodged")
    outcome = serializers.CharField(help_text="pending, dismissed or upheld")
    reason = serializers.CharField()
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True,
                                       default=None)
    decided_at = serializers.DateTimeField(allow_null=True)
    case_status = serializers.CharField(source="case.status")


class AppealLodgeSerializer(serializers.Serializer):
    grounds = serializers.CharField(max_length=4000, label=_("grounds"))


class AppealDecisionSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[("uphold", _("uphold the appeal: overturn the rejection")),
                 ("dismiss", _("dismiss the appeal: the rejection stands"))],
        label=_("outcome"))
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                   label=_("reason"))

    def validate(self, attrs):
        if attrs["outcome"] == "dismiss" and not (attrs.get("reason") or "").strip():
            raise serializers.ValidationError(
                {"reason": [_("A reason is required to dismiss an appeal.")]})
        return attrs
