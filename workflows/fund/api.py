"""Welfare fund: REST endpoints (HTTP in, a selector or service call, HTTP out).

- ``GET /fund-entries/?year=``: the entries the user may see, newest first, keyset pages
  (the district's staff: the whole ledger; township and village staff: the grants to
  their area's cases).
- ``POST /fund-entries/``: book income or other spending (the district's keepers).
- ``POST /fund-entries/{id}/reverse/``: book the reversing entry (404 out of sight, 403
  for readers, 409 when already reversed or the balance cannot spare it).
- ``GET /fund-years/{year}/``: the year's summary as the user may see it.

Refusals leave through ``casework.api.errors`` (the schema lists them:
``casework.api.schema``).
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.errors import InvalidInput
from casework.fund import selectors, services
from casework.fund.models import FundEntry

from . import api_serializers as s


class FundEntryList(GenericAPIView):
    serializer_class = s.FundEntrySerializer
    filter_backends: list = []

    def get_queryset(self):
        return selectors.entries_for(self.request.user)

    @extend_schema(
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, description=(
            "Only the entries of this fund year."))],
        responses=s.FundEntrySerializer(many=True),
        description="The welfare-fund entries the user may see, newest first: the "
                    "district's staff the whole ledger, township and village staff the "
                    "grants to their area's cases.")
    def get(self, request):
        query = s.FundEntryFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.entries_for(request.user, year=query.validated_data.get("year"))
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=s.FundEntryCreateSerializer,
        responses={201: s.FundEntrySerializer},
        description="Book income (allocation, donation, other_income) or other_spending in "
                    "the user's district's fund: its district approvers and administrators. "
                    "A spending the year's balance cannot cover is refused (409, "
                    "code budget_exhausted).")
    def post(self, request):
        ser = s.FundEntryCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        entry = services.book_entry(actor=request.user, **ser.validated_data)
        entry = selectors.entries_for(request.user).get(pk=entry.pk)
        return Response(s.FundEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class FundEntryReverse(APIView):
    @extend_schema(
        request=s.FundEntryReverseSerializer,
        responses={201: s.FundEntrySerializer},
        description="Cancel an entry with a reversing entry (once; entries are never "
                    "changed or deleted). 409 with code already_reversed, is_reversal or "
                    "budget_exhausted.")
    def post(self, request, pk: int):
        try:
            entry = selectors.entry_for(request.user, pk)
        except FundEntry.DoesNotExist:
            raise Http404(_("No such entry among those you may see.")) from None
        ser = s.FundEntryReverseSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        reversal = services.reverse_entry(actor=request.user, entry=entry,
                                          **ser.validated_data)
        reversal = selectors.entries_for(request.user).get(pk=reversal.pk)
        return Response(s.FundEntrySerializer(reversal).data, status=status.HTTP_201_CREATED)


class FundYearDetail(APIView):
    @extend_schema(
        responses=s.FundYearSerializer,
        description="The fund year as the user may see it: every figure for the "
                    "district's staff, the grants to their area for township and village "
                    "staff.")
    def get(self, request, year: int):
        if not services.FIRST_YEAR <= year <= 2100:
            raise InvalidInput(_("The fund year must be between %(first)s and %(last)s.") % {
                "first": services.FIRST_YEAR, "last": 2100}, field="year")
        return Response(s.FundYearSerializer(selectors.summary_for(request.user, year)).data)
