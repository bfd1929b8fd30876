"""Dues campaigns in the REST API: HTTP in, a selector, service or statistic, HTTP out.

- ``GET dues-campaigns/``: the campaigns the caller may read (their area's and those
  above it), newest first, keyset pages; ``?year=``.
- ``POST dues-campaigns/``: open one (the district's keepers only).
- ``GET dues-rates/?year=&area=&as_of=``: collection rates by township and village.
- ``POST membership-drive/``: the roster's membership drive (many people of a village
  enrolled at once, all or nothing; ``casework.register.dues.enrol_members``); a refused drive
  answers 400 with every bad entry.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import access
from casework.duescampaigns import selectors, services, stats
from casework.models import Area
from casework.register import dues

from . import api_serializers as s

REFUSALS = {
    400: OpenApiResponse(description="Bad input: the body names each wrong field."),
    403: OpenApiResponse(description="Not the district's keeper (or a read-only role)."),
    409: OpenApiResponse(description="The area already has a campaign that year."),
}


class DuesCampaignList(generics.ListCreateAPIView):
    """Dues campaigns (会费收缴): list, and open one."""

    def get_serializer_class(self):
        return (s.DuesCampaignCreateSerializer if self.request.method == "POST"
                else s.DuesCampaignSerializer)

    def get_queryset(self):
        year = self.request.query_params.get("year", "")
        return selectors.campaigns_for(self.request.user,
                                       year=int(year) if year.isdigit() else None)

    @extend_schema(parameters=[OpenApiParameter("year", int, description="dues year")],
                   responses={200: s.DuesCampaignSerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.DuesCampaignCreateSerializer,
                   responses={201: s.DuesCampaignSerializer, **REFUSALS})
    def post(self, request, *args, **kwargs):
        ser = s.DuesCampaignCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        campaign = services.open_campaign(actor=request.user, **ser.validated_data)
        campaign = selectors.campaign_for(request.user, campaign.pk)
        return Response(s.DuesCampaignSerializer(campaign).data,
                        status=status.HTTP_201_CREATED)


class DuesRates(APIView):
    """Dues collection rates of an area (the caller's own by default) for a year."""

    @extend_schema(parameters=[s.RatesQuerySerializer],
                   responses={200: s.RatesSerializer,
                              400: OpenApiResponse(description="Bad year, area or date."),
                              404: OpenApiResponse(description="No such area in scope.")})
    def get(self, request):
        query = s.RatesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        today = timezone.localdate()
        try:
            area = selectors.area_for(request.user, data.get("area"))
        except Area.DoesNotExist:
            raise Http404(_("No such area among those you may see.")) from None
        year = data.get("year") or today.year
        table = stats.rates(area=area, year=year, as_of=data.get("as_of") or today)
        arrears = reverse("register:arrears")

        def arrears_url(code: str) -> str:
            return request.build_absolute_uri(
                f"{arrears}?{urlencode({'area': code, 'year': year})}")

        return Response(s.RatesSerializer(table, context={"arrears_url": arrears_url}).data)


class MembershipDrive(APIView):
    """The membership drive (吸纳会员): enrol many people of one village in one go."""

    @extend_schema(request=s.MembershipDriveSerializer,
                   responses={201: s.EnrolledSerializer(many=True),
                              400: OpenApiResponse(description=(
                                  "Bad input (each wrong field named), or nobody enrolled: "
                                  "`{detail, code: \"enrolment\", entries: [{index, person, "
                                  "field, message}]}`, every bad entry.")),
                              403: OpenApiResponse(description="Not the village's keeper."),
                              404: OpenApiResponse(description="No such village in scope."),
                              409: OpenApiResponse(description="A member number was taken "
                                                               "meanwhile; nobody enrolled.")})
    def post(self, request):
        ser = s.MembershipDriveSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        village = data["village"]
        if not (access.level_of(village) == "village"
                and access.in_scope(request.user, village, None)
                and Area.objects.filter(code=village).exists()):
            raise Http404(_("No such village among those you may see."))
        entries = [dues.Enrolment(person_id=e["person"], number=e["number"],
                                  joined=e["joined"], role=e["role"]) for e in data["entries"]]
        try:
            done = dues.enrol_members(actor=request.user, village_code=village,
                                      entries=entries, joined=data["joined"],
                                      role=data["role"],
                                      generate_numbers=data["generate_numbers"], via="api")
        except dues.EnrolmentRefused as exc:
            body = {"detail": exc.message, "code": exc.code,
                    "entries": s.EnrolmentProblemSerializer(exc.problems, many=True).data}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(s.EnrolledSerializer(done, many=True).data,
                        status=status.HTTP_201_CREATED)
