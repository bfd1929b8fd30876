"""The register and the case file.

Areas are keyed by their GB/T 2260 / statistical code, which is hierarchical:
a village's 12-digit code starts with its township's 9 digits, which start
with the district's 6. So "everything in this township" is a prefix match on
an indexed code column (``area_id LIKE '330703102%'``), on households and on
cases alike, with no join.
"""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from eligibility.models import Program
from eligibility.units import unit_key as program_unit_key

from .field_rules import DUES_MAX, MoneyRule, VisibleText, past_date
from .personal import crypto
from .personal.crypto import EncryptedField, LookupHashField
from .personal.identity import mask_resident_id, validate_resident_id
from .personal.phones import mask_phone, validate_mobile_phone
from .uploads import document_path


def _prefix_index(field: str, name: str) -> models.Index:
    # varchar_pattern_ops makes LIKE 'prefix%' use the index on PostgreSQL
    # whatever the collation; other backends ignore opclasses. It serves equality too, so
    # the foreign key it indexes says ``db_index=False``: Django's own pair (a plain index
    # and a ``_like`` one, the same as this) would only cost every write twice more.
    return models.Index(fields=[field], name=name, opclasses=["varchar_pattern_ops"])


class Area(models.Model):
    """District (区) > township (镇/乡/街道) > village (村/居)."""

    class Level(models.TextChoices):
        DISTRICT = "district", _("district")
        TOWNSHIP = "township", _("township")
        VILLAGE = "village", _("village")

    code = models.CharField(_("code"), max_length=12, primary_key=True)
    name = models.CharField(_("name"), max_length=60)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="children", verbose_name=_("parent"))
    health_check_enrolled_years = models.JSONField(
        _("health-check scheme years"), default=list, blank=True,
        help_text=_("Years the village funds the annual health check from the collective."))

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        indexes = [_prefix_index("code", "area_code_prefix")]

    def __str__(self) -> str:
        return self.name

    def subtree_q(self, field: str = "area") -> Q:
        """Q for rows whose ``field`` (an Area FK) lies in this area's subtree."""
        return Q(**{f"{field}__code__startswith": self.code})


class User(AbstractUser):
    """A person who logs in, with one role scoped to one area."""

    class Role(models.TextChoices):
        FAMILY = "family", _("family")
        VILLAGE_REVIEWER = "village_reviewer", _("village reviewer")
        TOWNSHIP_APPROVER = "township_approver", _("township approver")
        DISTRICT_APPROVER = "district_approver", _("district approver")
        AUDITOR = "auditor", _("auditor")
        ADMIN = "admin", _("administrator")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices,
                            default=Role.FAMILY)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("area"))
    household = models.ForeignKey("Household", on_delete=models.SET_NULL, null=True,
                                  blank=True, related_name="accounts",
                                  verbose_name=_("household"))
    display_name = models.CharField(_("display name"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_staff_role(self) -> bool:
        return self.role not in (self.Role.FAMILY,)


class Household(models.Model):
    """户: a family in a village, with the family-planning facts benefits depend on."""

    class Registration(models.TextChoices):
        LOCAL = "local", _("local")
        MIGRANT = "migrant", _("migrant")

    class SpecialFamily(models.TextChoices):
        NONE = "", _("none")
        LOST_ONLY_CHILD = "lost_only_child", _("only child died (失独)")
        DISABLED_ONLY_CHILD = "disabled_only_child", _("only child disabled (伤残)")

    number = models.CharField(_("household number"), max_length=30, unique=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="households",
                             verbose_name=_("village"), limit_choices_to={"level": "village"},
                             db_index=False)
    address = models.CharField(_("address"), max_length=200, blank=True)
    registration = models.CharField(_("household registration"), max_length=10,
                                    choices=Registration.choices, default=Registration.LOCAL)
    one_child_certificate_date = models.DateField(
        _("one-child parents' certificate date"), null=True, blank=True,
        validators=[past_date(_("one-child parents' certificate date"))])
    two_daughter_household = models.BooleanField(_("two-daughter household"), default=False)
    second_birth_renounced_date = models.DateField(
        _("second birth renounced on"), null=True, blank=True,
        validators=[past_date(_("second birth renounced on"))])
    hardship = models.BooleanField(_("hardship household"), default=False)
    special_family = models.CharField(_("special family"), max_length=30, blank=True,
                                      choices=SpecialFamily.choices, default="")
    # never negative: a negative income would pass every income limit (casework.field_rules)
    annual_income_yuan = models.DecimalField(
        _("annual household income (yuan)"), max_digits=12, decimal_places=2, default=0,
        validators=[MoneyRule(_("annual household income (yuan)"))])
    paired = models.BooleanField(_("already paired for assistance"), default=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["id"]
        indexes = [_prefix_index("area", "household_area_prefix")]
        constraints = [
            models.CheckConstraint(condition=Q(annual_income_yuan__gte=0),
                                   name="household_income_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number


class Person(models.Model):
    """A member of a household, identified by the resident identity number."""

    class Sex(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    class Relationship(models.TextChoices):
        HEAD = "head", _("head of household")
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")
        PARENT = "parent", pgettext_lazy("relationship", "parent")
        OTHER = "other", _("other")

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members",
                                  verbose_name=_("household"))
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60,
                            validators=[VisibleText(pgettext_lazy("person", "name"))])
    # encrypted at rest, with a keyed hash for exact lookup and uniqueness
    # (casework.personal.crypto);
    # person.id_number is the plaintext, filter(id_number=...) compares hashes
    id_number = EncryptedField(_("resident identity number"), kind=crypto.RESIDENT_ID,
                               hash_field="id_number_hash", plain_max_length=18,
                               db_column="id_number_enc", validators=[validate_resident_id])
    id_number_hash = LookupHashField(_("resident identity number"), source="id_number",
                                     unique=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"), validators=[past_date(_("birth date"))])
    phone = EncryptedField(_("phone"), kind=crypto.PHONE, hash_field="phone_hash",
                           plain_max_length=20, db_column="phone_enc", blank=True, default="",
                           validators=[validate_mobile_phone])
    phone_hash = LookupHashField(_("phone"), source="phone", blank=True, default="",
                                 db_index=True)
    relationship = models.CharField(_("relationship to head"), max_length=10,
                                    choices=Relationship.choices, default=Relationship.HEAD)
    pension_insured = models.BooleanField(_("enrolled in resident pension insurance"),
                                          default=False)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["household_id", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def masked_id_number(self) -> str:
        return mask_resident_id(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class Membership(models.Model):
    """Association membership (计生协会会员)."""

    class Role(models.TextChoices):
        MEMBER = "member", _("member")
        COUNCIL = "council", _("council member (理事)")
        VOLUNTEER = "volunteer", _("volunteer")
        # the report counts "600多名计生宣传员" apart from members and volunteers
        OUTREACH = "outreach", _("outreach worker (宣传员)")

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="membership",
                                  verbose_name=_("person"))
    number = models.CharField(_("member number"), max_length=30, unique=True)
    joined = models.DateField(_("joined"), validators=[past_date(_("joined"))])
    left = models.DateField(_("left"), null=True, blank=True,
                            validators=[past_date(_("left"))])
    role = models.CharField(_("role"), max_length=10, choices=Role.choices,
                            default=Role.MEMBER)
    dues_paid_years = models.JSONField(_("dues paid for years"), default=list, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return self.number

    def is_active_on(self, on) -> bool:
        return self.joined <= on and (self.left is None or self.left > on)


class DuesPayment(models.Model):
    """A member's yearly dues (会费) for one year, with its receipt (收据).

    The record of who paid: one row per member and year (a constraint), each with a
    receipt number unique across the district (the paper receipt's, or one the service
    makes). ``Membership.dues_paid_years`` is kept in step by ``casework.register.dues`` for the
    code that reads the list. ``area`` is the household's village when it was paid,
    copied so scoping filters one indexed column. Rows moved from the earlier list have
    no payment date, recorder or receipt of their own (``LEGACY-`` numbers).
    """

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT,
                                   related_name="dues_payments",
                                   verbose_name=_("membership"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("village"), db_index=False)
    year = models.PositiveSmallIntegerField(_("dues year"))
    amount_yuan = models.DecimalField(
        _("amount (yuan)"), max_digits=8, decimal_places=2,
        validators=[MoneyRule(_("amount (yuan)"), maximum=DUES_MAX, positive=True)])
    paid_on = models.DateField(_("paid on"), null=True, blank=True,
                               validators=[past_date(_("paid on"))])
    receipt_number = models.CharField(_("receipt number"), max_length=40, unique=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("dues payment")
        verbose_name_plural = _("dues payments")
        ordering = ["membership_id", "year"]
        indexes = [_prefix_index("area", "duespayment_area_prefix")]
        constraints = [
            models.UniqueConstraint(fields=["membership", "year"],
                                    name="dues_once_per_member_year"),
            models.CheckConstraint(condition=Q(amount_yuan__gt=0), name="dues_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.receipt_number


class CaseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    VILLAGE_REVIEW = "village_review", _("village review")
    RETURNED = "returned", _("returned for more information")
    PUBLIC_NOTICE = "public_notice", _("public notice")
    TOWNSHIP_REVIEW = "township_review", _("township review")
    DISTRICT_REVIEW = "district_review", _("district review")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")
    WITHDRAWN = "withdrawn", _("withdrawn")
    APPEAL = "appeal", _("under appeal")


# "under appeal" is open: the rejection may yet be overturned, so the family may not file
# a second application for the program meanwhile (one open application per person and
# program: ``case_one_open_per_person_program``)
OPEN_STATUSES = (
    CaseStatus.SUBMITTED, CaseStatus.VILLAGE_REVIEW, CaseStatus.RETURNED,
    CaseStatus.PUBLIC_NOTICE, CaseStatus.TOWNSHIP_REVIEW, CaseStatus.DISTRICT_REVIEW,
    CaseStatus.APPEAL,
)
FINAL_STATUSES = (CaseStatus.APPROVED, CaseStatus.REJECTED, CaseStatus.WITHDRAWN)


class LegalBasis(models.TextChoices):
    """PIPL article 13 bases this service relies on."""

    CONSENT = "consent", _("the applicant's consent")
    STATUTORY_DUTY = "statutory", _("a statutory duty of the association")


class Case(models.Model):
    """One application for one program by one person of a household (申请)."""

    # indexed by ``case_household_id`` (household, -id), which serves its lookups too
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="cases",
                                  verbose_name=_("household"), db_index=False)
    applicant = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="cases",
                                  verbose_name=_("applicant"))
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="cases",
                                verbose_name=_("program"))
    # what one grant covers (eligibility.units): "person:12", "couple:7", "household:7";
    # one open application per program and unit (the constraint below)
    unit_key = models.CharField(_("unit"), max_length=40)
    # the household's village, copied so scoping filters one indexed column
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="cases",
                             verbose_name=_("village"), db_index=False)
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices,
                              default=CaseStatus.SUBMITTED)
    statement = models.TextField(_("statement"), blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="filed_cases", verbose_name=_("filed by"))
    on_behalf = models.BooleanField(_("filed on the family's behalf"), default=False)
    submitted_at = models.DateTimeField(_("submitted at"))
    application_date = models.DateField(_("application date"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # the pre-check, stored once: facts snapshot, parameters used, rule version, reasons
    eligible = models.BooleanField(_("pre-check eligible"), null=True)
    rule_version = models.CharField(_("rule version"), max_length=40, blank=True)
    eligibility = models.JSONField(_("eligibility decision"), default=dict, blank=True)
    facts = models.JSONField(_("facts snapshot"), default=dict, blank=True)
    # routing outcome of the latest human step; the flow's gateways read it
    last_decision = models.CharField(max_length=10, blank=True)
    version = models.PositiveIntegerField(default=0)
    # the hash of the newest event of this case's history (its chain's head)
    audit_head = models.CharField(max_length=64, blank=True, default="")
    # PIPL: on what basis the family's personal data is processed for this application
    legal_basis = models.CharField(_("legal basis"), max_length=20,
                                   choices=LegalBasis.choices, default=LegalBasis.CONSENT)
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    consent_text = models.CharField(_("consent notice version"), max_length=40, blank=True)
    # personal data removed under the program's retention rule (the history stays)
    purged_at = models.DateTimeField(_("personal data purged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-id"]
        indexes = [
            _prefix_index("area", "case_area_prefix"),
            models.Index(fields=["status", "-id"], name="case_status_id"),
            models.Index(fields=["household", "-id"], name="case_household_id"),
        ]
        constraints = [
            # at most one open application per program and unit: a person, a couple or
            # a household (eligibility.units)
            models.UniqueConstraint(
                fields=["unit_key", "program"],
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="case_one_open_per_unit_program",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    def save(self, *args, **kwargs):
        """Fill the unit key from the program and the applicant when the caller did not
        (it is what the open-application constraint holds, so never left empty)."""
        if not self.unit_key and self.program_id and self.applicant_id:
            self.unit_key = program_unit_key(self.program.code, person_id=self.applicant_id,
                                             household_id=self.household_id)
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Document(models.Model):
    """A supporting document (certificate, photo of a form) attached to a case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents",
                             verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=40)
    file = models.FileField(_("file"), upload_to=document_path)
    # the name the family's file came with, shown and offered on download; the stored
    # name is random (casework.uploads.document_path). Cleared by the retention purge.
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} ({self.case_id})"


class Decision(models.Model):
    """A reviewer's decision at one level of a case."""

    class Outcome(models.TextChoices):
        APPROVE = "approve", _("approve")
        RETURN = "return", _("return to the family")
        REJECT = "reject", _("reject")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="decisions")
    step = models.CharField(_("step"), max_length=30)
    outcome = models.CharField(_("decision"), max_length=10, choices=Outcome.choices)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+")
    task_id = models.BigIntegerField(null=True, blank=True, unique=True)
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.step}: {self.outcome}"


class Objection(models.Model):
    """An objection lodged during the public notice (公示异议)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="objections")
    lodged_by_name = models.CharField(_("lodged by"), max_length=60,
                                      validators=[VisibleText(_("lodged by"))])
    text = models.TextField(_("objection"))
    lodged_at = models.DateTimeField(_("lodged at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    upheld = models.BooleanField(_("upheld"), null=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"objection {self.pk} on case {self.case_id}"


class Entitlement(models.Model):
    """What a granted case gives: a card, a subsidy, a grant (待遇), for a period.

    ``valid_from`` is the first day it was in force, ``valid_to`` the last day of its
    current period: a renewal (``EntitlementRenewal``, by the year's re-certification)
    moves it on. It ends (``ended_on``, ``end_reason``) when its period runs out without a
    renewal (the daily sweep, ``casework.entitlements``), when a re-certification review
    ends it, or when a new grant for the same unit supersedes it. One live entitlement
    per program and unit (a person, a couple or a household: ``eligibility.units``).
    """

    class State(models.TextChoices):
        LIVE = "live", _("live")
        ENDED = "ended", _("ended")

    class EndReason(models.TextChoices):
        EXPIRED = "expired", _("its period ended without renewal")
        RECERTIFICATION = "recertification", _("ended by the re-certification review")
        SUPERSEDED = "superseded", _("replaced by a new grant")

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="entitlement")
    household = models.ForeignKey(Household, on_delete=models.PROTECT,
                                  related_name="entitlements")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="entitlements")
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="entitlements")
    # the granting case's unit (eligibility.units): one live entitlement per program and unit
    unit_key = models.CharField(_("unit"), max_length=40)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+", db_index=False)
    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    amount_yuan = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2,
                                      default=0)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.LIVE)
    issued_at = models.DateTimeField(_("issued at"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("why it ended"), max_length=20, blank=True,
                                  choices=EndReason.choices)

    class Meta:
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")
        ordering = ["-id"]
        indexes = [
            _prefix_index("area", "entitlement_area_prefix"),
            # the daily sweep's read: live entitlements whose period has run out
            models.Index(fields=["valid_to", "id"], condition=Q(state="live"),
                         name="entitlement_live_valid_to"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["unit_key", "program"], condition=Q(state="live"),
                                    name="entitlement_one_live_per_unit_program"),
            # money is never negative: a service's bug stops at the database
            models.CheckConstraint(condition=Q(amount_yuan__gte=0),
                                   name="entitlement_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number

    def save(self, *args, **kwargs):
        """Fill the unit key as ``Case.save`` does (the constraint's column)."""
        if not self.unit_key and self.program_id and self.person_id:
            self.unit_key = program_unit_key(self.program.code, person_id=self.person_id,
                                             household_id=self.household_id)
        super().save(*args, **kwargs)


class EntitlementRenewal(models.Model):
    """One more period of an entitlement, granted by a year's re-certification (年审)
    that found it still qualifies (or by the village's review continuing it).

    The entitlement's first period is its own ``valid_from``..first ``valid_to``; each
    renewal adds a row and moves ``Entitlement.valid_to``. ``amount_yuan`` is the period's
    amount under that year's parameters (a yearly subsidy is paid per period).
    """

    entitlement = models.ForeignKey(Entitlement, on_delete=models.PROTECT,
                                    related_name="renewals", verbose_name=_("entitlement"))
    # the entitlement's village, copied so scoping filters one indexed column
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("village"), db_index=False)
    year = models.PositiveSmallIntegerField(_("re-certification year"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    amount_yuan = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2,
                                      default=0)
    renewed_at = models.DateTimeField(_("renewed at"))

    class Meta:
        verbose_name = _("entitlement renewal")
        verbose_name_plural = _("entitlement renewals")
        ordering = ["entitlement_id", "valid_from"]
        indexes = [_prefix_index("area", "renewal_area_prefix")]
        constraints = [
            models.UniqueConstraint(fields=["entitlement", "year"],
                                    name="renewal_once_per_entitlement_year"),
            models.CheckConstraint(condition=Q(valid_to__gte=models.F("valid_from")),
                                   name="renewal_period_ordered"),
            models.CheckConstraint(condition=Q(amount_yuan__gte=0),
                                   name="renewal_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.entitlement_id}/{self.year}"


class AuditEvent(models.Model):
    """One line of a case's history: who did what, when, from which status to which.

    Written in the same transaction as the change it records.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events",
                             null=True, blank=True)
    seq = models.PositiveIntegerField(_("sequence"), default=0)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              null=True, blank=True, related_name="+")
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from status"), max_length=20, blank=True)
    to_status = models.CharField(_("to status"), max_length=20, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    at = models.DateTimeField(_("time"))
    # the chain: SHA-256 over the canonical JSON of this event and the previous hash
    prev_hash = models.CharField(_("previous hash"), max_length=64, blank=True, default="")
    hash = models.CharField(_("hash"), max_length=64, blank=True, default="")
    # the head's seal: Ed25519 signature (base64) over (case, seq, hash), on the last
    # event each transaction wrote for the case (casework.history.audit); empty on the others and
    # on events written before seals (a database default too, as for rows loaded by COPY)
    seal = models.CharField(_("seal"), max_length=120, blank=True, default="", db_default="")

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["case_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="audit_case_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.action}"


class RecordEvent(models.Model):
    """One change to the association's own records, outside any case: a health-check
    campaign opened, a contact report filed, a project's household added, a ledger entry.

    Written by ``casework.history.record_events.record`` in the transaction of the change it
    records; append-only (a PostgreSQL trigger refuses UPDATE and DELETE).
    ``area`` is the record's own area (a village, a township or the district), so the
    auditor's scope is the usual prefix match; ``subject`` and ``subject_id`` name the
    record ("healthchecks.campaign", "17"), so one record's history is one indexed read.
    """

    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              null=True, blank=True, related_name="+",
                              verbose_name=_("actor"))
    action = models.CharField(_("action"), max_length=60)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("area"), db_index=False)
    subject = models.CharField(_("record kind"), max_length=60)
    subject_id = models.CharField(_("record"), max_length=40)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("record event")
        verbose_name_plural = _("record events")
        ordering = ["-id"]
        indexes = [_prefix_index("area", "recordevent_area_prefix"),
                   models.Index(fields=["subject", "subject_id", "id"],
                                name="recordevent_subject")]

    def __str__(self) -> str:
        return f"{self.action} {self.subject}#{self.subject_id}"


class RegisterChange(models.Model):
    """A change to the register (households, persons, memberships, entitlements, policy
    parameters): written by a PostgreSQL trigger on each row, so bulk updates and raw
    SQL are recorded like any save. ``old``/``new`` hold the changed columns only
    (resident ID and phone shown as changed, never copied); ``actor`` is the user of
    the request that made it (none for the system: tasks, commands)."""

    table = models.CharField(_("table"), max_length=60)
    row_id = models.CharField(_("row"), max_length=40)
    op = models.CharField(_("operation"), max_length=6)
    old = models.JSONField(_("old values"), null=True, blank=True)
    new = models.JSONField(_("new values"), null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.DO_NOTHING,
                              db_constraint=False, null=True, blank=True, related_name="+")
    at = models.DateTimeField(_("time"))
    txid = models.BigIntegerField(_("transaction"))

    class Meta:
        verbose_name = _("register change")
        verbose_name_plural = _("register changes")
        ordering = ["-id"]
        indexes = [models.Index(fields=["table", "row_id", "id"], name="regchange_row"),
                   models.Index(fields=["at"], name="regchange_at")]

    def __str__(self) -> str:
        return f"{self.op} {self.table}#{self.row_id}"


class AccessRecord(models.Model):
    """Who looked at personal data, when, what and why (PIPL: purpose and access records).

    Written for every view or export of a full resident identity number, health data
    or a document, and for exports of case histories; append-only on PostgreSQL.
    """

    class Kind(models.TextChoices):
        RESIDENT_ID = "resident_id", _("full resident identity number")
        PHONE = "phone", _("full phone number")
        HEALTH = "health", _("health data")
        DOCUMENT = "document", _("document")
        EXPORT = "export", _("export")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("user"))
    at = models.DateTimeField(_("time"))
    kind = models.CharField(_("what"), max_length=20, choices=Kind.choices)
    case = models.ForeignKey("Case", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    object_ref = models.CharField(_("object"), max_length=80, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200)
    path = models.CharField(_("page"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data accesses")
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "at"], name="access_user_at"),
                   models.Index(fields=["person", "at"], name="access_person_at")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.object_ref}"


class AuditCheckpoint(models.Model):
    """The heads of every case's history at one moment, sealed into a signed Merkle root.

    Kept apart from the chains: rewriting a history and every later hash still
    leaves it disagreeing with a checkpoint whose signature only the key holder
    can make. ``leaves`` lists ``[case_id, seq, head_hash]`` in case order.
    """

    sealed_at = models.DateTimeField(_("sealed at"), db_index=True)
    size = models.PositiveIntegerField(_("chains"))
    root = models.CharField(_("Merkle root"), max_length=64)
    signature = models.CharField(_("signature"), max_length=120)
    public_key = models.CharField(_("public key"), max_length=60)
    leaves = models.JSONField(default=list)

    class Meta:
        verbose_name = _("audit checkpoint")
        verbose_name_plural = _("audit checkpoints")
        ordering = ["-sealed_at"]

    def __str__(self) -> str:
        return f"{self.sealed_at:%Y-%m-%d %H:%M} {self.root[:12]}"


class OutboxMessage(models.Model):
    """A notification waiting to leave, written in the transaction that caused it.

    The relay hands pending rows to Celery after commit; the worker marks them
    sent, so a redelivered task finds ``sent_at`` set and sends nothing twice.
    """

    class Channel(models.TextChoices):
        SMS = "sms", _("SMS")
        EMAIL = "email", _("email")
        INAPP = "inapp", _("in-app")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="outbox")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                       null=True, blank=True, related_name="+")
    recipient = models.CharField(max_length=120, blank=True)
    template = models.CharField(max_length=60)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # after a failed send: not before this time (backoff); None means as soon as possible
    retry_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["id"], condition=Q(sent_at__isnull=True),
                         name="outbox_pending"),
            # the per-number SMS rate limit: what was sent to this number in the last hour
            models.Index(fields=["recipient", "sent_at"], condition=Q(channel="sms"),
                         name="outbox_sms_recipient_sent"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.template}#{self.pk}"


class Message(models.Model):
    """An in-app message in one user's inbox, delivered from an in-app outbox row.

    It keeps its template and payload, so it is shown in the reader's language, and
    the zh-hans text as delivered. One per outbox row and user (the unique constraint):
    a redelivered row adds nothing. Reads are "latest for this user" (keyset on id) and
    "how many unread", each served by an index that starts with the recipient.
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="inbox_messages", db_index=False,
                                  verbose_name=_("recipient"))
    outbox = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE,
                               related_name="deliveries", db_index=False)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="+", verbose_name=_("case"))
    template = models.CharField(max_length=60)
    payload = models.JSONField(default=dict, blank=True)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["recipient", "-id"], name="message_recipient_latest"),
            models.Index(fields=["recipient", "id"], condition=Q(read_at__isnull=True),
                         name="message_recipient_unread"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["outbox", "recipient"],
                                    name="message_once_per_outbox_user"),
        ]

    def __str__(self) -> str:
        return f"{self.template}#{self.pk} to {self.recipient_id}"


class RecertificationRun(models.Model):
    """One year's re-certification pass over the live entitlements.

    ``last_entitlement_id`` is the checkpoint, committed with each chunk's reviews: an
    interrupted run resumes after it and re-reads nothing it has finished.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    on = models.DateField(_("rules applied as of"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    last_entitlement_id = models.BigIntegerField(_("checkpoint (last entitlement id)"),
                                                 default=0)
    processed = models.PositiveIntegerField(_("entitlements checked"), default=0)
    flagged = models.PositiveIntegerField(_("reviews opened"), default=0)
    skipped = models.PositiveIntegerField(
        _("failing but already under review"), default=0)
    renewed = models.PositiveIntegerField(_("entitlements renewed"), default=0)
    # per program: the rule version and the parameter values the run applied
    rules = models.JSONField(_("rules applied"), default=dict, blank=True)

    class Meta:
        verbose_name = _("re-certification run")
        verbose_name_plural = _("re-certification runs")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}"
