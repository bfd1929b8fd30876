"""Organisation (协会组织): the association's own units, office holders, training sessions,
activity days and model-association assessments.

The seed (``../shared/seed/000_7c30ed9f65bb5294.txt``) describes an association of three
levels, district, 11 townships/streets and villages (lines 19-26, 136-138), plus enterprise
associations (lines 59-78) and migrant-population groups (lines 139-141) as units of their
own; full-time vice-presidents by sex (line 25: 166 men and 79 women in 245 villages);
training sessions (lines 158-163); the "5·29" member activity day (lines 113-133); and the
model-association (示范协会) assessment against four criteria (lines 48-54), with dues
collection a criterion from the next year on (line 187).

Every record has an ``area`` (its village, township or district) with a prefix index, so
scoping is ``casework.access.area_q(user, household_field=None)``. Changes go through
``casework.organisation.services`` (one transaction, a ``RecordEvent`` each).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from casework.field_rules import MoneyRule, VisibleText, past_date, planned_date
from casework.models import Person, _prefix_index


class OrgUnit(models.Model):
    """A unit of the association (协会组织): the district association, a township's or a
    village's (the three levels), an enterprise association (企业计生协会) or a
    migrant-population group (流动人口计生协会小组).

    ``area`` is the area the unit sits in: its own area for the three levels, the township
    or village it belongs to for an enterprise association or a migrant group. A level
    unit's members are the roster's (``casework.models.Membership``); enterprise
    associations and migrant groups count theirs in ``member_count``, because their
    members are mostly not on the village roster. One live unit per level and area.
    A unit is live on a day from ``founded_on`` until the day before ``dissolved_on``.
    """

    class Kind(models.TextChoices):
        DISTRICT = "district_association", _("district association")
        TOWNSHIP = "township_association", _("township association")
        VILLAGE = "village_association", _("village association")
        ENTERPRISE = "enterprise_association", _("enterprise association (企业协会)")
        MIGRANT = "migrant_group", _("migrant-population group (流动人口协会小组)")

    class Basis(models.TextChoices):
        """How a migrant group is formed (line 140: 按行业、户籍地、亲缘关系)."""

        NONE = "", _("not a migrant group")
        TRADE = "trade", _("by trade (行业)")
        HOME_REGION = "home_region", _("by home region (户籍地)")
        KINSHIP = "kinship", _("by kinship (亲缘关系)")

    kind = models.CharField(_("kind of unit"), max_length=30, choices=Kind.choices)
    name = models.CharField(pgettext_lazy("unit", "name"), max_length=100,
                            validators=[VisibleText(pgettext_lazy("unit", "name"))])
    area = models.ForeignKey("casework.Area", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("area"), db_index=False)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="children", verbose_name=_("parent unit"))
    enterprise_name = models.CharField(_("enterprise"), max_length=100, blank=True,
                                       help_text=_("The enterprise an enterprise "
                                                   "association belongs to."),
                                       validators=[VisibleText(_("enterprise"))])
    basis = models.CharField(_("formed by"), max_length=20, choices=Basis.choices,
                             blank=True, default="")
    leader_name = models.CharField(_("leader"), max_length=60, blank=True,
                                   help_text=_("A migrant group's leader (组长), or the "
                                               "person who leads the unit."),
                                   validators=[VisibleText(_("leader"))])
    member_count = models.PositiveIntegerField(
        _("members (not on the roster)"), default=0,
        help_text=_("Members of an enterprise association or a migrant group, who are "
                    "mostly not on the village roster."))
    founded_on = models.DateField(_("founded on"), validators=[past_date(_("founded on"))])
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True,
                                    validators=[past_date(_("dissolved on"))])
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    LEVEL_KINDS = (Kind.DISTRICT, Kind.TOWNSHIP, Kind.VILLAGE)

    class Meta:
        verbose_name = _("association unit")
        verbose_name_plural = _("association units")
        ordering = ["area_id", "id"]
        indexes = [_prefix_index("area", "organisation_orgunit_area"),
                   models.Index(fields=["area", "id"], name="organisation_orgunit_tree")]
        constraints = [
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True) | Q(dissolved_on__gt=models.F(
                    "founded_on")), name="orgunit_dates_ordered"),
            models.CheckConstraint(condition=Q(member_count__gte=0),
                                   name="orgunit_member_count_non_negative"),
            models.CheckConstraint(
                condition=(Q(kind="migrant_group") & ~Q(basis=""))
                | (~Q(kind="migrant_group") & Q(basis="")),
                name="orgunit_basis_for_migrant_groups"),
            models.CheckConstraint(
                condition=~Q(kind="enterprise_association") | ~Q(enterprise_name=""),
                name="orgunit_enterprise_named"),
            models.UniqueConstraint(
                fields=["kind", "area"],
                condition=Q(dissolved_on__isnull=True,
                            kind__in=["district_association", "township_association",
                                      "village_association"]),
                name="orgunit_one_live_per_level_area"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_level(self) -> bool:
        return self.kind in self.LEVEL_KINDS

    def is_live_on(self, day) -> bool:
        return self.founded_on <= day and (self.dissolved_on is None or self.dissolved_on > day)


class OfficeHolder(models.Model):
    """Someone holding an office in a unit: president (会长), vice-president (副会长),
    full-time vice-president (专职副会长), secretary-general (秘书长), council member (理事).

    In office from ``since`` until the day before ``until``. ``person`` links the roster
    when the holder is on it; ``name`` and ``sex`` are kept either way (the seed counts
    full-time vice-presidents by sex, line 25). ``area`` is the unit's area, copied so
    scoping filters one indexed column.
    """

    class Office(models.TextChoices):
        PRESIDENT = "president", _("president (会长)")
        VICE_PRESIDENT = "vice_president", _("vice-president (副会长)")
        FULLTIME_VICE_PRESIDENT = "fulltime_vice_president", _(
            "full-time vice-president (专职副会长)")
        SECRETARY_GENERAL = "secretary_general", _("secretary-general (秘书长)")
        COUNCIL_MEMBER = "council_member", _("council member (理事)")

    Sex = Person.Sex

    #: offices one person holds at a time in a unit
    SINGLE_OFFICES = (Office.PRESIDENT, Office.FULLTIME_VICE_PRESIDENT,
                      Office.SECRETARY_GENERAL)

    unit = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="office_holders",
                             verbose_name=_("unit"))
    area = models.ForeignKey("casework.Area", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("area"), db_index=False)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60,
                            validators=[VisibleText(pgettext_lazy("person", "name"))])
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    person = models.ForeignKey("casework.Person", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+", verbose_name=_("person"))
    office = models.CharField(_("office"), max_length=30, choices=Office.choices)
    since = models.DateField(_("in office since"),
                             validators=[planned_date(_("in office since"))])
    until = models.DateField(_("in office until"), null=True, blank=True,
                             help_text=_("The first day no longer in office."),
                             validators=[planned_date(_("in office until"))])
    note = models.CharField(_("note"), max_length=200, blank=True,
                            help_text=_("E.g. a retired village cadre or teacher."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))

    class Meta:
        verbose_name = _("office holder")
        verbose_name_plural = _("office holders")
        ordering = ["unit_id", "office", "since", "id"]
        indexes = [_prefix_index("area", "organisation_holder_area")]
        constraints = [
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gt=models.F("since")),
                name="officeholder_dates_ordered"),
            models.CheckConstraint(condition=Q(sex__in=["M", "F"]),
                                   name="officeholder_sex_known"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_office_display()})"

    def holds_on(self, day) -> bool:
        return self.since <= day and (self.until is None or self.until > day)


class TrainingSession(models.Model):
    """A training session (培训班) organised by the district, a township or a village:
    e.g. the three two-day sessions for 900-odd township and village secretaries,
    attendants and women's directors (lines 158-163), or the sessions held in enterprises
    (lines 68-71). ``area`` is the organiser's. Attendees are recorded by name
    (``TrainingAttendance``) or counted in ``other_attendees``."""

    area = models.ForeignKey("casework.Area", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("organised by (area)"), db_index=False)
    title = models.CharField(_("title"), max_length=120, validators=[VisibleText(_("title"))])
    topics = models.TextField(_("topics"), blank=True)
    first_day = models.DateField(_("first day"), validators=[planned_date(_("first day"))])
    last_day = models.DateField(_("last day"), validators=[planned_date(_("last day"))])
    venue = models.CharField(_("venue"), max_length=120, blank=True)
    audience = models.CharField(_("audience"), max_length=200, blank=True,
                                help_text=_("Who it was for, e.g. village secretaries, "
                                            "attendants, women's directors."))
    other_attendees = models.PositiveIntegerField(
        _("other attendees"), default=0,
        help_text=_("Attendees not recorded by name."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        ordering = ["-first_day", "-id"]
        indexes = [_prefix_index("area", "organisation_training_area")]
        constraints = [
            models.CheckConstraint(condition=Q(last_day__gte=models.F("first_day")),
                                   name="training_days_ordered"),
            models.CheckConstraint(condition=Q(other_attendees__gte=0),
                                   name="training_others_non_negative"),
        ]

    def __str__(self) -> str:
        return self.title


class TrainingAttendance(models.Model):
    """One attendee of a training session recorded by name: a person of the roster
    (``person``) or someone who is not on it (``name`` only). ``role`` is what they came
    as (村级秘书长, 服务员, 妇女主任); ``area`` the attendee's own area (the person's
    village), inside the organiser's."""

    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE,
                                related_name="attendance", verbose_name=_("session"))
    person = models.ForeignKey("casework.Person", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+", verbose_name=_("person"))
    name = models.CharField(pgettext_lazy("person", "name"), max_length=60,
                            validators=[VisibleText(pgettext_lazy("person", "name"))])
    role = models.CharField(_("attended as"), max_length=60, blank=True)
    area = models.ForeignKey("casework.Area", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("area"), db_index=False)

    class Meta:
        verbose_name = _("training attendance")
        verbose_name_plural = _("training attendance")
        ordering = ["session_id", "id"]
        indexes = [_prefix_index("area", "organisation_attendance_area")]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"],
                                    condition=Q(person__isnull=False),
                                    name="attendance_person_once"),
        ]

    def __str__(self) -> str:
        return self.name


class ActivityDay(models.Model):
    """An activity day and what it did: the "5·29" member activity day (会员活动日,
    lines 113-133) with its sessions (consultations at rural markets, small screenings
    for women's diseases: 21 screenings, 5,300-odd people examined, line 127), the
    materials handed out (70,000-odd, line 126) and what it cost (50,000-odd yuan,
    line 32). ``area`` is the organiser's (district, township or village)."""

    class Kind(models.TextChoices):
        MEMBER_DAY_529 = "member_day_529", _("“5·29” member activity day")
        OTHER = "other", _("other activity")

    area = models.ForeignKey("casework.Area", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("organised by (area)"), db_index=False)
    kind = models.CharField(_("kind of activity"), max_length=20, choices=Kind.choices,
                            default=Kind.MEMBER_DAY_529)
    held_on = models.DateField(_("held on"), validators=[past_date(_("held on"))])
    title = models.CharField(_("title"), max_length=120, validators=[VisibleText(_("title"))])
    sessions_held = models.PositiveIntegerField(
        _("sessions held"), default=0,
        help_text=_("Consultations, screenings and other sessions of the activity."))
    people_examined = models.PositiveIntegerField(_("people examined"), default=0)
    materials_distributed = models.PositiveIntegerField(_("materials distributed"),
                                                        default=0)
    spending_yuan = models.DecimalField(_("spending (yuan)"), max_digits=12,
                                        decimal_places=2, default=0,
                                        validators=[MoneyRule(_("spending (yuan)"))])
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("activity day")
        verbose_name_plural = _("activity days")
        ordering = ["-held_on", "-id"]
        indexes = [_prefix_index("area", "organisation_activity_area")]
        constraints = [
            models.CheckConstraint(
                condition=Q(sessions_held__gte=0, people_examined__gte=0,
                            materials_distributed__gte=0, spending_yuan__gte=0),
                name="activity_counts_non_negative"),
        ]

    def __str__(self) -> str:
        return self.title


class AssessmentCriterion(models.Model):
    """A criterion of the model-association (示范协会) assessment, as dated policy data.

    The seed states four criteria (lines 53-54: a capable council, a lively activity
    venue, a volunteer team that serves the people, a 少生快富 project) and adds dues
    collection from the next year on (line 187). It states no scores: every
    ``max_score`` is assumed, set locally. A criterion counts for the years its
    ``effective_from``..``effective_to`` overlaps.
    """

    code = models.CharField(_("code"), max_length=30)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    text_zh = models.CharField(_("criterion (Chinese)"), max_length=200)
    text_en = models.CharField(_("criterion (English)"), max_length=200)
    max_score = models.PositiveSmallIntegerField(
        _("maximum score"), help_text=_("Assumed, set locally: the seed states no scores."))
    effective_from = models.DateField(_("effective from"),
                                      validators=[planned_date(_("effective from"))])
    effective_to = models.DateField(_("effective to"), null=True, blank=True,
                                    validators=[planned_date(_("effective to"))])
    source = models.CharField(_("source"), max_length=300)

    class Meta:
        verbose_name = _("assessment criterion")
        verbose_name_plural = _("assessment criteria")
        ordering = ["position", "effective_from", "id"]
        constraints = [
            models.UniqueConstraint(fields=["code", "effective_from"],
                                    name="criterion_code_from_unique"),
            models.CheckConstraint(condition=Q(max_score__gt=0), name="criterion_max_positive"),
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True) | Q(effective_to__gte=models.F(
                    "effective_from")), name="criterion_dates_ordered"),
        ]

    def __str__(self) -> str:
        return self.text_zh

    def applies_to(self, year: int) -> bool:
        return (self.effective_from.year <= year
                and (self.effective_to is None or self.effective_to.year >= year))


class Assessment(models.Model):
    """A village association's model-association assessment for one year (示范协会评选):
    a score per criterion, their ``total`` (kept by the service) and the ``rating``
    (model 示范, advanced 先进 or neither; thresholds assumed, set locally). The seed has
    the townships assess their villages (line 52: 各镇乡(街道)也开展了自评活动); the
    district may too."""

    class Rating(models.TextChoices):
        MODEL = "model", _("model association (示范协会)")
        ADVANCED = "advanced", _("advanced association (先进协会)")
        NONE = "none", _("not rated")

    area = models.ForeignKey("casework.Area", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("village"), db_index=False)
    year = models.PositiveSmallIntegerField(_("year"))
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("assessed by"))
    assessed_on = models.DateField(_("assessed on"), validators=[past_date(_("assessed on"))])
    note = models.TextField(_("note"), blank=True)
    total = models.PositiveIntegerField(_("total score"), default=0)
    max_total = models.PositiveIntegerField(_("maximum total"), default=0)
    rating = models.CharField(_("rating"), max_length=10, choices=Rating.choices,
                              default=Rating.NONE)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["year", "area_id"]
        indexes = [_prefix_index("area", "organisation_assessment_area")]
        constraints = [
            models.UniqueConstraint(fields=["area", "year"], name="assessment_once_a_year"),
            models.CheckConstraint(condition=Q(total__lte=models.F("max_total")),
                                   name="assessment_total_within_max"),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} {self.year}"


class AssessmentScore(models.Model):
    """One criterion's score in an assessment (0..the criterion's ``max_score``, checked
    by the service). Read only through its assessment, whose area scopes it."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE,
                                   related_name="scores", verbose_name=_("assessment"))
    criterion = models.ForeignKey(AssessmentCriterion, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("criterion"))
    score = models.PositiveSmallIntegerField(_("score"))

    class Meta:
        verbose_name = _("assessment score")
        verbose_name_plural = _("assessment scores")
        ordering = ["assessment_id", "criterion__position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"],
                                    name="score_once_per_criterion"),
            models.CheckConstraint(condition=Q(score__gte=0), name="score_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.score}"
