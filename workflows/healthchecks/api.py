"""Health checks in the REST API (/api/v1/): HTTP in, a selector or service call, HTTP out.

- ``health-check-campaigns/``: the campaigns of the user's area (keyset pages, ``?year=``,
  ``?area=``), and opening one (POST: the village reviewer of the village, or an admin);
- ``health-check-campaigns/{id}/``: one campaign with its coverage; PATCH changes its
  days, venue, provider, funding or note;
- ``health-check-campaigns/{id}/records/``: its member list (``?result=``); POST records
  a batch of results, all or none;
- ``health-check-campaigns/{id}/refresh/``: POST adds members who joined since;
- ``health-check-coverage/?year=&area=``: per village and township, and the total.

A campaign outside the user's area answers 404; a reader's write 403.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.healthchecks import selectors, services
from casework.healthchecks.models import HealthCheckRecord

from . import api_serializers as s

YEAR = OpenApiParameter("year", int, description="Only this year's campaigns.")
AREA = OpenApiParameter("area", str, description="Only under this area code (a township "
                        "or village of the user's area).")
RESULT = OpenApiParameter("result", str, enum=HealthCheckRecord.Result.values,
                          description="Only the members with this result.")


def _year(request, *, default: int | None = None) -> int | None:
    raw = request.query_params.get("year", "")
    if raw == "":
        return default
    if not raw.isdigit() or not 2000 <= int(raw) <= 2100:
        raise ValidationError({"year": [_("Enter a year from 2000 to 2100.")]})
    return int(raw)


def _area(request) -> str:
    raw = request.query_params.get("area", "").strip()
    if raw and not (raw.isdigit() and len(raw) in (6, 9, 12)):
        raise ValidationError({"area": [_("Enter an area code (6, 9 or 12 digits).")]})
    return raw


class CampaignList(generics.ListAPIView):
    """The health-check campaigns of the user's area, newest first, with their coverage."""

    serializer_class = s.HealthCheckCampaignSerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.campaigns_for(self.request.user, year=_year(self.request),
                                       area_code=_area(self.request))

    @extend_schema(parameters=[YEAR, AREA])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.HealthCheckCampaignCreateSerializer,
                   responses={201: s.HealthCheckCampaignSerializer})
    def post(self, request):
        """Open a village's campaign of a year and list its members from the roster."""
        ser = s.HealthCheckCampaignCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        campaign = services.open_campaign(actor=request.user, village_code=data.pop("area"),
                                          **data)
        campaign = selectors.campaign_for(request.user, campaign.pk, counts=True)
        return Response(s.HealthCheckCampaignSerializer(campaign).data,
                        status=status.HTTP_201_CREATED)


class CampaignDetail(APIView):
    """One campaign with its coverage; PATCH changes it."""

    @extend_schema(responses=s.HealthCheckCampaignSerializer)
    def get(self, request, pk: int):
        campaign = selectors.campaign_for(request.user, pk, counts=True)
        return Response(s.HealthCheckCampaignSerializer(campaign).data)

    @extend_schema(request=s.HealthCheckCampaignUpdateSerializer,
                   responses=s.HealthCheckCampaignSerializer)
    def patch(self, request, pk: int):
        campaign = selectors.campaign_for(request.user, pk)
        ser = s.HealthCheckCampaignUpdateSerializer(data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        services.update_campaign(actor=request.user, campaign=campaign, **ser.validated_data)
        campaign = selectors.campaign_for(request.user, pk, counts=True)
        return Response(s.HealthCheckCampaignSerializer(campaign).data)


class CampaignRecords(generics.ListAPIView):
    """A campaign's member list (GET); a batch of results (POST: all or none)."""

    serializer_class = s.HealthCheckRecordSerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return HealthCheckRecord.objects.none()
        campaign = selectors.campaign_for(self.request.user, self.kwargs["pk"])
        result = self.request.query_params.get("result", "")
        if result and result not in HealthCheckRecord.Result.values:
            raise ValidationError({"result": [_("Choose a result from the list.")]})
        return selectors.records_of(campaign, result=result)

    @extend_schema(parameters=[RESULT])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.HealthCheckResultsBatchSerializer,
                   responses={200: s.HealthCheckRecordSerializer(many=True),
                              400: OpenApiResponse(
                                  s.HealthCheckBatchRejectedSerializer,
                                  description="Rows with problems, each with its row and "
                                              "field; nothing was recorded.")})
    def post(self, request, pk: int):
        """Record several members' results: the changed records are returned."""
        campaign = selectors.campaign_for(request.user, pk)
        ser = s.HealthCheckResultsBatchSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        rows = [services.ResultInput(r["person"], r["result"], r.get("checked_on"))
                for r in ser.validated_data["results"]]
        try:
            changed = services.record_results(actor=request.user, campaign=campaign, rows=rows)
        except services.BatchRejected as exc:
            return Response({"detail": exc.message, "code": exc.code,
                             "errors": [e.as_dict() for e in exc.errors]},
                            status=status.HTTP_400_BAD_REQUEST)
        changed = list(selectors.records_of(campaign).filter(pk__in=[r.pk for r in changed]))
        return Response(s.HealthCheckRecordSerializer(changed, many=True).data)


class CampaignRefresh(APIView):
    """Add the village's members who joined since the list was made."""

    @extend_schema(request=None, responses=s.HealthCheckRefreshSerializer)
    def post(self, request, pk: int):
        campaign = selectors.campaign_for(request.user, pk)
        added = services.refresh_members(actor=request.user, campaign=campaign)
        return Response({"added": added})


class Coverage(APIView):
    """Coverage of a year per village of the user's area, per township, and in total."""

    @extend_schema(parameters=[
        OpenApiParameter("year", int, description="The year (default: this year)."), AREA],
        responses=s.HealthCheckCoverageSerializer)
    def get(self, request):
        year = _year(request, default=timezone.localdate().year)
        report = selectors.coverage(request.user, year=year, area_code=_area(request))
        return Response(s.HealthCheckCoverageSerializer(s.coverage_data(report)).data)
