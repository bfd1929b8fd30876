"""Contact households in the REST API (/api/v1/): HTTP in, a selector or a service call,
HTTP out. The same scoping as the pages: a round or an assignment outside the user's area
is a 404; a write by someone who may read but not keep is a 403 (the service says so);
auditors are refused any write before the input is read (``ReadOnlyRolesCannotWrite``).
The refusals (400 naming the field, 403, 404, 409) are documented by the schema class
(``casework.api.schema``)."""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.contacts import selectors, services
from casework.contacts.models import ContactReport, ReportingRound
from casework.errors import InvalidInput

from . import api_serializers as s

DATE_PARAM = OpenApiParameter("date", OpenApiTypes.DATE, required=False,
                              description="A reporting day (YYYY-MM-DD).")
VILLAGE_PARAM = OpenApiParameter("village", OpenApiTypes.STR, required=False,
                                 description="A village code of the round (default: every "
                                             "village of the round you may see).")


def _round(user, pk: int) -> ReportingRound:
    round_ = selectors.round_for(user, pk)
    if round_ is None:
        raise Http404(_("No such reporting round among those you may see."))
    return round_


def _day_query(request):
    ser = s.DayQuerySerializer(data=request.query_params)
    ser.is_valid(raise_exception=True)
    return ser.validated_data


class AssignmentList(generics.ListAPIView):
    """Contact assignments of the user's area, newest first; create a batch (one member,
    several households of their village, all or nothing)."""

    serializer_class = s.AssignmentSerializer

    def get_queryset(self):
        rows = selectors.assignments_in(self.request.user).select_related("contact", "household")
        params = self.request.query_params
        if params.get("village"):
            rows = rows.filter(area__code__startswith=params["village"])
        if params.get("contact", "").isdigit():
            rows = rows.filter(contact_id=int(params["contact"]))
        if params.get("open") in ("true", "1"):
            rows = rows.filter(selectors.open_on_q(timezone.localdate()))
        return rows

    @extend_schema(parameters=[
        OpenApiParameter("village", OpenApiTypes.STR, description="Area code (prefix)."),
        OpenApiParameter("contact", OpenApiTypes.INT, description="A contact member's id."),
        OpenApiParameter("open", OpenApiTypes.BOOL, description="Only those open today."),
    ])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.AssignmentCreateSerializer,
                   responses={201: s.AssignmentSerializer(many=True)})
    def post(self, request):
        ser = s.AssignmentCreateSerializer(data=request.data, context={"request": request})
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        rows = services.assign_contact(actor=request.user, contact=data["contact"],
                                       households=data["households"], since=data.get("since"))
        return Response(s.AssignmentSerializer(rows, many=True).data,
                        status=status.HTTP_201_CREATED)


class AssignmentEnd(APIView):
    """The contact member stops looking after the household."""

    @extend_schema(request=s.EndAssignmentSerializer, responses=s.AssignmentSerializer)
    def post(self, request, pk: int):
        assignment = selectors.assignment_for(request.user, pk)
        if assignment is None:
            raise Http404(_("No such assignment among those you may see."))
        ser = s.EndAssignmentSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        ended = services.end_assignment(actor=request.user, assignment=assignment,
                                        until=ser.validated_data.get("until"))
        ended = selectors.assignment_for(request.user, ended.pk)
        return Response(s.AssignmentSerializer(ended).data)


class RoundList(generics.ListAPIView):
    """Reporting rounds the user sees (their area's and those covering it), newest first;
    open one (a village's: its reviewer; a township's: its approver)."""

    serializer_class = s.RoundSerializer

    def get_queryset(self):
        return selectors.rounds_for(self.request.user).select_related("area")

    @extend_schema(request=s.RoundCreateSerializer, responses={201: s.RoundSerializer})
    def post(self, request):
        ser = s.RoundCreateSerializer(data=request.data, context={"request": request})
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        round_ = services.open_round(
            actor=request.user, area=data["area"], title=data["title"],
            reason=data.get("reason", ""), schedule=data["schedule"],
            days_of_month=data.get("days_of_month", []), first_day=data["first_day"],
            last_day=data["last_day"])
        return Response(s.RoundSerializer(round_).data, status=status.HTTP_201_CREATED)


class RoundClose(APIView):
    """Close a round: no report is owed after today."""

    @extend_schema(request=None, responses=s.RoundSerializer)
    def post(self, request, pk: int):
        round_ = services.close_round(actor=request.user, round=_round(request.user, pk))
        round_ = selectors.round_for(request.user, round_.pk)
        return Response(s.RoundSerializer(round_).data)


class RoundReports(generics.ListAPIView):
    """A round's reports the user may see (?date=, ?village=); POST a contact member's
    report for a day (one entry per household, all or nothing; a household already
    reported that day is corrected)."""

    serializer_class = s.ReportSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return ContactReport.objects.none()
        round_ = _round(self.request.user, self.kwargs["pk"])
        query = _day_query(self.request)
        rows = selectors.reports_in(self.request.user, round_).select_related("contact",
                                                                              "household")
        if query.get("date"):
            rows = rows.filter(report_date=query["date"])
        if query.get("village"):
            rows = rows.filter(area__code__startswith=query["village"])
        return rows

    @extend_schema(parameters=[DATE_PARAM, VILLAGE_PARAM])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.ReportFileSerializer, responses={201: s.ReportSerializer(many=True)})
    def post(self, request, pk: int):
        round_ = _round(request.user, pk)
        ser = s.ReportFileSerializer(data=request.data, context={"request": request})
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        households = data["households"]
        saved = services.file_report(
            actor=request.user, round=round_, contact=data["contact"],
            report_date=data["report_date"],
            entries=[services.ReportEntry(households[e["household"]], e["status"],
                                          e.get("note", "")) for e in data["entries"]])
        return Response(s.ReportSerializer(saved, many=True).data,
                        status=status.HTTP_201_CREATED)


def _village_code(request, round_: ReportingRound, code: str | None) -> str:
    """The village asked for (within the round and the user's area), or the part of the
    round the user sees."""
    prefix = selectors.round_prefix(request.user, round_)
    if not code:
        return prefix
    if not code.startswith(prefix):
        raise InvalidInput(_("No such village in this round among yours."), field="village")
    return code


class RoundMissing(APIView):
    """The (contact member, household) pairs without a report: on ``date``, or on every
    reporting day of the round up to today."""

    @extend_schema(parameters=[DATE_PARAM, VILLAGE_PARAM], responses=s.MissingListSerializer)
    def get(self, request, pk: int):
        round_ = _round(request.user, pk)
        query = _day_query(request)
        code = _village_code(request, round_, query.get("village"))
        day = query.get("date")
        up_to = min(timezone.localdate(), round_.ends_on)
        rows = selectors.missing_reports(round_, code, day=day, up_to=up_to)
        return Response(s.MissingListSerializer({
            "round": round_.pk, "date": day, "up_to": day or up_to, "results": rows}).data)


class RoundRollup(APIView):
    """Reports expected, received and missing per village (those the user sees) on
    ``date`` (default: the last reporting day up to today) and over the round up to it,
    with the totals."""

    @extend_schema(parameters=[DATE_PARAM], responses=s.RollupSerializer)
    def get(self, request, pk: int):
        round_ = _round(request.user, pk)
        query = _day_query(request)
        result = selectors.rollup(request.user, round_, day=query.get("date"))
        return Response(s.RollupSerializer({
            "round": round_.pk, "day": result.day, "up_to": result.up_to,
            "rows": result.rows, "total": result.total}).data)
