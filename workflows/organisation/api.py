"""The organisation's REST endpoints: HTTP in, a selector or service call, HTTP out.

Reads are scoped like the pages (``casework.organisation.selectors``): an object outside
the user's area is a 404. Writes go through ``casework.organisation.services``, which
check who may keep the record (403), validate (400, naming the field) and refuse a state
conflict (409). Lists are keyset pages (``?after=``, newest first).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import access
from casework.errors import InvalidInput
from casework.models import Area, Person
from casework.organisation import selectors, services
from casework.organisation.models import OfficeHolder, OrgUnit, TrainingAttendance

from . import api_serializers as s

AREA_FILTER = OpenApiParameter("area", OpenApiTypes.STR, description="Area code prefix.")


def _area(code: str, field: str) -> Area:
    area = Area.objects.filter(code=code).first() if code else None
    if area is None:
        raise InvalidInput(_("No such area."), field=field)
    return area


def _person(user, pk: int | None, field: str = "person") -> Person | None:
    """A person the user may see (their household in the user's area), or ``None``."""
    if pk is None:
        return None
    person = (Person.objects.filter(access.area_q(user, area_field="household__area",
                                                  household_field=None))
              .filter(pk=pk).first())
    if person is None:
        raise InvalidInput(_("No such person in your area."), field=field)
    return person


def _year_param(request) -> int | None:
    """``?year=``: a year from 2000 to 2100, or none given; anything else is a 400 naming
    the field (a year Python's dates cannot hold, e.g. 0, must not reach the query)."""
    raw = request.query_params.get("year", "")
    if raw == "":
        return None
    if not (raw.isdigit() and services.EARLIEST_YEAR <= int(raw) <= 2100):
        raise ValidationError({"year": [_("Enter a year from %(first)s to 2100.") % {
            "first": services.EARLIEST_YEAR}]})
    return int(raw)


def _area_prefix(request, rows, field: str = "area"):
    code = request.query_params.get("area", "")
    if code:
        rows = rows.filter(**{f"{field}__code__startswith": code})
    return rows


# --- units -------------------------------------------------------------------------------------

class OrgUnitList(generics.ListCreateAPIView):
    """The association's units in the user's area; founding one."""

    serializer_class = s.OrgUnitSerializer

    def get_queryset(self):
        rows = _area_prefix(self.request, selectors.units_for(self.request.user))
        kind = self.request.query_params.get("kind", "")
        if kind:
            rows = rows.filter(kind=kind)
        if self.request.query_params.get("live") in ("1", "true"):
            rows = rows.filter(dissolved_on__isnull=True)
        return rows

    @extend_schema(parameters=[
        AREA_FILTER,
        OpenApiParameter("kind", OpenApiTypes.STR, enum=OrgUnit.Kind.values),
        OpenApiParameter("live", OpenApiTypes.BOOL, description="Only units not dissolved.")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.OrgUnitCreateSerializer, responses={201: s.OrgUnitSerializer})
    def post(self, request):
        ser = s.OrgUnitCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        area = _area(data.pop("area"), "area")
        parent_id = data.pop("parent", None)
        parent = None
        if parent_id is not None:
            parent = selectors.units_for(request.user).filter(pk=parent_id).first()
            if parent is None:
                raise InvalidInput(_("No such unit in your area."), field="parent")
        unit = services.create_unit(actor=request.user, area=area, parent=parent, **data)
        return Response(s.OrgUnitSerializer(unit).data, status=status.HTTP_201_CREATED)


class OrgUnitDetail(APIView):
    """One unit; correcting its particulars."""

    @extend_schema(responses=s.OrgUnitSerializer)
    def get(self, request, pk: int):
        return Response(s.OrgUnitSerializer(selectors.unit_detail(user=request.user,
                                                                  unit_id=pk)).data)

    @extend_schema(request=s.OrgUnitUpdateSerializer, responses=s.OrgUnitSerializer)
    def patch(self, request, pk: int):
        unit = selectors.unit_detail(user=request.user, unit_id=pk)
        ser = s.OrgUnitUpdateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        values = {name: getattr(unit, name) for name in (
            "name", "enterprise_name", "basis", "leader_name", "member_count", "founded_on",
            "note")}
        values.update(ser.validated_data)
        unit = services.update_unit(actor=request.user, unit=unit, **values)
        return Response(s.OrgUnitSerializer(unit).data)


class OrgUnitEnd(APIView):
    """Dissolve a unit (its office holders leave office the same day)."""

    @extend_schema(request=s.OrgUnitEndSerializer, responses=s.OrgUnitSerializer)
    def post(self, request, pk: int):
        unit = selectors.unit_detail(user=request.user, unit_id=pk)
        ser = s.OrgUnitEndSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        unit = services.end_unit(actor=request.user, unit=unit, **ser.validated_data)
        return Response(s.OrgUnitSerializer(unit).data)


class OrgUnitOfficeHolders(generics.ListCreateAPIView):
    """A unit's office holders, past and present; appointing one."""

    serializer_class = s.OfficeHolderSerializer

    def unit(self) -> OrgUnit:
        return selectors.unit_detail(user=self.request.user, unit_id=self.kwargs["pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return OfficeHolder.objects.none()
        return selectors.holders_of(self.unit())

    @extend_schema(request=s.OfficeHolderCreateSerializer,
                   responses={201: s.OfficeHolderSerializer})
    def post(self, request, pk: int):
        unit = self.unit()
        ser = s.OfficeHolderCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        person_id = data.pop("person", None)
        person = None
        if person_id is not None:
            # the keeper check comes first: a stranger learns nothing of the roster
            services.require_unit_keeper(request.user, unit.kind, unit.area_id)
            person = _person(request.user, person_id)
        holder = services.appoint_office_holder(actor=request.user, unit=unit, person=person,
                                                **data)
        return Response(s.OfficeHolderSerializer(holder).data, status=status.HTTP_201_CREATED)


class OfficeHolderEnd(APIView):
    """A term of office ends."""

    @extend_schema(request=s.OfficeHolderEndSerializer, responses=s.OfficeHolderSerializer)
    def post(self, request, pk: int):
        holder = selectors.holder_detail(user=request.user, holder_id=pk)
        ser = s.OfficeHolderEndSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        holder = services.end_office(actor=request.user, holder=holder, **ser.validated_data)
        return Response(s.OfficeHolderSerializer(holder).data)


# --- training -------------------------------------------------------------------------------------

class TrainingSessionList(generics.ListCreateAPIView):
    """Training sessions organised in the user's area; adding one."""

    serializer_class = s.TrainingSessionSerializer

    def get_queryset(self):
        return _area_prefix(self.request, selectors.sessions_for(self.request.user))

    @extend_schema(parameters=[AREA_FILTER])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.TrainingSessionCreateSerializer,
                   responses={201: s.TrainingSessionSerializer})
    def post(self, request):
        ser = s.TrainingSessionCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        area = _area(data.pop("area"), "area")
        session = services.create_training_session(actor=request.user, area=area, **data)
        session = selectors.sessions_for(request.user).get(pk=session.pk)
        return Response(s.TrainingSessionSerializer(session).data,
                        status=status.HTTP_201_CREATED)


class TrainingSessionDetail(APIView):
    @extend_schema(responses=s.TrainingSessionSerializer)
    def get(self, request, pk: int):
        session = selectors.session_detail(user=request.user, session_id=pk)
        return Response(s.TrainingSessionSerializer(session).data)


class TrainingAttendanceView(generics.ListAPIView):
    """Who attended a session by name (GET); setting them and the count of the others
    (POST: the attendees given replace those recorded before, or only those of
    ``within``)."""

    serializer_class = s.AttendanceSerializer

    def session(self):
        return selectors.session_detail(user=self.request.user, session_id=self.kwargs["pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return TrainingAttendance.objects.none()
        return selectors.attendance_of(self.session())

    @extend_schema(request=s.AttendanceSetSerializer, responses=s.TrainingSessionSerializer)
    def post(self, request, pk: int):
        session = self.session()
        ser = s.AttendanceSetSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        access.require_keeper(request.user, session.area_id)
        ids = [row["person"] for row in data["attendees"] if row.get("person") is not None]
        people = (Person.objects.filter(access.area_q(request.user,
                                                      area_field="household__area",
                                                      household_field=None))
                  .in_bulk(ids))
        codes = {row["area"] for row in data["attendees"] if row.get("area")}
        if data["within"]:
            codes.add(data["within"])
        areas = Area.objects.in_bulk(list(codes))
        attendees = []
        for row in data["attendees"]:
            person = None
            if row.get("person") is not None:
                person = people.get(row["person"])
                if person is None:
                    raise InvalidInput(_("No such person in your area."), field="person")
            area = None
            if row.get("area"):
                area = areas.get(row["area"])
                if area is None:
                    raise InvalidInput(_("No such area."), field="area")
            attendees.append(services.AttendeeInput(person=person, name=row["name"],
                                                    role=row["role"], area=area))
        within = None
        if data["within"]:
            within = areas.get(data["within"])
            if within is None:
                raise InvalidInput(_("No such area."), field="within")
        services.record_attendance(actor=request.user, session=session, attendees=attendees,
                                   other_attendees=data["other_attendees"], within=within)
        session = selectors.sessions_for(request.user).get(pk=session.pk)
        return Response(s.TrainingSessionSerializer(session).data)


# --- activity days ---------------------------------------------------------------------------

class ActivityDayList(generics.ListCreateAPIView):
    """Activity days organised in the user's area (the 5·29 member day and others);
    recording one."""

    serializer_class = s.ActivityDaySerializer

    def get_queryset(self):
        rows = _area_prefix(self.request, selectors.activity_days_for(self.request.user))
        year = _year_param(self.request)
        if year is not None:
            rows = rows.filter(held_on__year=year)
        return rows

    @extend_schema(parameters=[AREA_FILTER, OpenApiParameter("year", OpenApiTypes.INT)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.ActivityDayCreateSerializer,
                   responses={201: s.ActivityDaySerializer})
    def post(self, request):
        ser = s.ActivityDayCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        area = _area(data.pop("area"), "area")
        day = services.record_activity_day(actor=request.user, area=area, **data)
        return Response(s.ActivityDaySerializer(day).data, status=status.HTTP_201_CREATED)


# --- assessments -----------------------------------------------------------------------------

class AssessmentCriterionList(generics.ListAPIView):
    """The model-association assessment's criteria (dated policy data; every maximum
    score assumed, set locally)."""

    serializer_class = s.AssessmentCriterionSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.criteria()


class AssessmentList(generics.ListCreateAPIView):
    """Villages' model-association assessments in the user's area; assessing one (the
    township approver of its township or the district approver)."""

    serializer_class = s.AssessmentSerializer

    def get_queryset(self):
        rows = _area_prefix(self.request, selectors.assessments_for(self.request.user))
        year = _year_param(self.request)
        if year is not None:
            rows = rows.filter(year=year)
        rating = self.request.query_params.get("rating", "")
        if rating:
            rows = rows.filter(rating=rating)
        return rows

    @extend_schema(parameters=[AREA_FILTER, OpenApiParameter("year", OpenApiTypes.INT),
                               OpenApiParameter("rating", OpenApiTypes.STR,
                                                enum=["model", "advanced", "none"])])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.AssessmentCreateSerializer,
                   responses={201: s.AssessmentSerializer, 200: s.AssessmentSerializer})
    def post(self, request):
        ser = s.AssessmentCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        village = _area(data["area"], "area")
        assessment = services.record_assessment(
            actor=request.user, village=village, year=data["year"],
            scores={row["criterion"]: row["score"] for row in data["scores"]},
            assessed_on=data["assessed_on"], note=data["note"], revise=data["revise"])
        assessment = selectors.assessments_for(request.user).get(pk=assessment.pk)
        return Response(s.AssessmentSerializer(assessment).data,
                        status=status.HTTP_200_OK if data["revise"] else status.HTTP_201_CREATED)
