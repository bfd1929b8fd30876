"""Assistance pairings in the REST API: partners, contracts, ending one early, visits.
HTTP in, a selector or service call (``casework.pairings``), HTTP out; no rules here.

Scoping as everywhere: a contract or household outside the user's area is a 404; someone
who may see it but not keep it gets a 403 on writes (auditors before any input is read).
A second contract over a household's running (or signed) period is a 409 naming
``household`` (code ``already_paired``).
"""

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.api.schema import ErrorSerializer
from casework.errors import InvalidInput
from casework.models import Area, Case, Person
from casework.pairings import selectors, services
from casework.pairings.models import PairingContract

from . import api_serializers as s


class PartnerList(generics.ListCreateAPIView):
    """The pairing partners of the user's township (district staff and auditors: all);
    POST adds one (the village's or township's pairing keepers)."""

    serializer_class = s.PartnerSerializer

    def get_queryset(self):
        return selectors.partners_for(self.request.user)

    @extend_schema(request=s.PartnerSerializer, responses={201: s.PartnerSerializer})
    def post(self, request):
        ser = s.PartnerSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        area = Area.objects.filter(code=data["area_id"]).first()
        if area is None:
            raise InvalidInput(_("No such township or village."), field="area")
        person = None
        if data.get("person_id"):
            person = Person.objects.filter(pk=data["person_id"]).first()
            if person is None:
                raise InvalidInput(_("No such person among those you may see."),
                                   field="person")
        partner = services.add_partner(actor=request.user, kind=data.get("kind", "person"),
                                       name=data.get("name", ""), trade=data["trade"],
                                       area=area, person=person)
        partner = selectors.partners_for(request.user).filter(pk=partner.pk).first() or partner
        return Response(s.PartnerSerializer(partner).data, status=status.HTTP_201_CREATED)


class ContractFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=PairingContract.State.choices)
    household = django_filters.NumberFilter(field_name="household_id")
    area = django_filters.CharFilter(method="filter_area", label="area code (prefix)")

    class Meta:
        model = PairingContract
        fields = ["state", "household", "area"]

    def filter_area(self, queryset, name, value):
        return queryset.filter(area__code__startswith=value)


class ContractList(generics.ListCreateAPIView):
    """The pairing contracts the user may see, newest first (a family: its own);
    POST records a signed contract (JSON, or multipart with the scanned ``document``)."""

    filterset_class = ContractFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_serializer_class(self):
        return (s.ContractCreateSerializer if self.request.method == "POST"
                else s.ContractSerializer)

    def get_queryset(self):
        return selectors.contracts_for(self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "request": self.request}

    @extend_schema(
        request={"application/json": s.ContractCreateSerializer,
                 "multipart/form-data": s.ContractCreateSerializer},
        responses={201: s.ContractSerializer,
                   404: ErrorSerializer,
                   409: ErrorSerializer},
        description="404: the household is not among those the user may see. 409 "
                    "(field `household`, code `already_paired`): the household already "
                    "has a contract over part of the period.")
    def post(self, request):
        ser = s.ContractCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        household = selectors.household_for(request.user, data["household"])
        partner = selectors.partners_for(request.user).filter(pk=data["partner"]).first()
        if partner is None:
            raise InvalidInput(_("No such partner among those you may see."),
                               field="partner")
        case = None
        if data.get("case"):
            case = Case.objects.filter(pk=data["case"], household_id=household.pk).first()
            if case is None:
                raise InvalidInput(_("Choose an assistance-pairing application of this "
                                     "household."), field="case")
        contract = services.sign_contract(
            actor=request.user, household=household, data=services.ContractInput(
                partner=partner, signed_on=data["signed_on"], starts_on=data["starts_on"],
                ends_on=data["ends_on"], terms=data["terms"], case=case,
                document=data.get("document")))
        contract = selectors.contract_detail(user=request.user, contract_id=contract.pk)
        return Response(s.ContractSerializer(contract, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class ContractDetail(APIView):
    @extend_schema(responses=s.ContractSerializer)
    def get(self, request, pk: int):
        contract = selectors.contract_detail(user=request.user, contract_id=pk)
        contract.visit_count = selectors.visits_of(contract).count()
        return Response(s.ContractSerializer(contract, context={"request": request}).data)


class ContractEnd(APIView):
    """End a contract early: from ``ended_on`` on it no longer runs and the household is
    no longer marked paired. 409 (code ``already_ended``) for a contract already ended."""

    @extend_schema(request=s.ContractEndSerializer, responses=s.ContractSerializer)
    def post(self, request, pk: int):
        contract = selectors.contract_detail(user=request.user, contract_id=pk)
        ser = s.ContractEndSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        services.end_contract(actor=request.user, contract=contract,
                              ended_on=ser.validated_data["ended_on"],
                              reason=ser.validated_data["end_reason"])
        contract = selectors.contract_detail(user=request.user, contract_id=pk)
        contract.visit_count = selectors.visits_of(contract).count()
        return Response(s.ContractSerializer(contract, context={"request": request}).data)


class ContractVisits(APIView):
    """A contract's visits, newest first (GET); recording one (POST: a day within the
    contract, not in the future)."""

    @extend_schema(responses=s.VisitSerializer(many=True))
    def get(self, request, pk: int):
        contract = selectors.contract_detail(user=request.user, contract_id=pk)
        return Response(s.VisitSerializer(selectors.visits_of(contract), many=True).data)

    @extend_schema(request=s.VisitSerializer, responses={201: s.VisitSerializer})
    def post(self, request, pk: int):
        contract = selectors.contract_detail(user=request.user, contract_id=pk)
        ser = s.VisitSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        visit = services.record_visit(actor=request.user, contract=contract,
                                      visited_on=data["visited_on"],
                                      visited_by=data["visited_by"],
                                      visitor_name=data.get("visitor_name", ""),
                                      note=data.get("note", ""))
        return Response(s.VisitSerializer(visit).data, status=status.HTTP_201_CREATED)

