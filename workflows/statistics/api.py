"""``GET /api/v1/statistics/{area}/?year=&as_of=``: the statistics report as JSON.

The same figures as the staff page and its Excel and PDF (``report.build_report``): one
column per area (for the district, each township and the district), each with every
source's figures. Who may ask is who sees the reports (403 otherwise); an area outside
the caller's is a 404; a year or date that makes no sense a 400 naming the field.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import access

from .report import build_report
from .views import StatisticsForm, scoped_area


def _plain(value):
    """Figures as JSON carries them: Decimals as strings (exact), dates as ISO dates."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class ColumnSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    figures = serializers.DictField(help_text="Per source (organisation, projects, pairings, "
                                              "contacts, health, dues, benefits, fund): its "
                                              "figures; money and rates as decimal strings.")


class StatisticsSerializer(serializers.Serializer):
    area = serializers.CharField()
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    columns = ColumnSerializer(many=True)


class StatisticsView(APIView):
    """The statistics report to the city association for a township or the district."""

    @extend_schema(
        parameters=[OpenApiParameter("year", OpenApiTypes.INT, required=True),
                    OpenApiParameter("as_of", OpenApiTypes.DATE, required=False,
                                     description="Default: the year's end, or today.")],
        responses=StatisticsSerializer)
    def get(self, request, area: str):
        if not access.may_view_reports(request.user):
            raise PermissionDenied
        found = scoped_area(request.user, area)
        form = StatisticsForm({"area": found.code, **request.query_params.dict()},
                              user=request.user, today=timezone.localdate())
        if not form.is_valid():
            raise ValidationError(form.errors)
        report = build_report(found, year=form.cleaned_data["year"], as_of=form.as_of_date())
        return Response({
            "area": found.code, "year": report.year, "as_of": report.as_of.isoformat(),
            "columns": [{"code": c.code, "name": c.name, "figures": _plain(c.figures)}
                        for c in report.columns],
        })
