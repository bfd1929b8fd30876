"""REST endpoints: HTTP in, a selector or service call, HTTP out. No rules here."""

from datetime import date

import django_filters
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView
from viewflow.workflow.models import Task

from casework import selectors
from casework.errors import InvalidInput
from casework.history.verification import verify_case
from casework.models import Case, CaseStatus, Household, Person
from casework.privacy.access_log import record_health_view, record_reveal, site_language
from casework.projects.selectors import projects_open_to
from casework.services import MemberInput, register_household
from eligibility.models import PolicyParameter, Program
from eligibility.parameters import parameter_rows_on

from ..appeals.flow import appeals_of, decide_appeal, lodge_appeal
from ..applications import services
from ..deadlines.services import with_due
from ..documents import access_purpose
from ..recertification.flow import decide_review
from ..selectors import open_tasks_of, tasks_for
from . import serializers as s
from .tasks import DuePagination


class MeView(APIView):
    @extend_schema(responses=s.MeSerializer)
    def get(self, request):
        return Response(s.MeSerializer(request.user).data)


class ProgramList(generics.ListAPIView):
    serializer_class = s.ProgramSerializer
    pagination_class = None
    queryset = Program.objects.filter(active=True).order_by("id")


class ProgramParameters(generics.ListAPIView):
    """The program's policy values in force on ``?on=`` (today by default), each naming
    its source: the document and where in it, or "assumed, set locally"."""

    serializer_class = s.PolicyParameterSerializer
    pagination_class = None
    queryset = PolicyParameter.objects.none()  # the schema's model; rows: get_queryset

    @extend_schema(parameters=[OpenApiParameter("on", OpenApiTypes.DATE, required=False)])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return self.queryset
        program = Program.objects.filter(code=self.kwargs["code"]).first()
        if program is None:
            raise Http404(_("No such program."))
        raw = self.request.query_params.get("on")
        try:
            on = date.fromisoformat(raw) if raw else timezone.localdate()
        except ValueError:
            raise InvalidInput(_("Enter a date as YYYY-MM-DD."), field="on") from None
        return parameter_rows_on(program, on)


# why a household's full numbers are shown (the access record's purpose)
REGISTERING = gettext_lazy("registering household #%(household)s")
REGISTER_RECORD = gettext_lazy("register record of household #%(household)s")


class HouseholdList(generics.ListCreateAPIView):
    def get_serializer_class(self):
        return s.HouseholdCreateSerializer if self.request.method == "POST" else (
            s.HouseholdSerializer)

    def get_queryset(self):
        return selectors.households_for(self.request.user)

    @extend_schema(request=s.HouseholdCreateSerializer,
                   responses={201: s.HouseholdDetailSerializer})
    def post(self, request):
        ser = s.HouseholdCreateSerializer(data=request.data, context={"request": request})
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        village = data.pop("area")
        members = [MemberInput(**{k: v for k, v in m.items() if k in MemberInput.__annotations__})
                   for m in data.pop("members")]
        # who may register here is the service's rule (NotPermitted: 403)
        household = register_household(actor=request.user, village=village, members=members,
                                       **data)
        household = selectors.household_detail(user=request.user, household_id=household.pk)
        return Response(household_shown(request, household, doing=REGISTERING),
                        status=status.HTTP_201_CREATED)


class HouseholdDetail(generics.RetrieveAPIView):
    serializer_class = s.HouseholdDetailSerializer

    def get_object(self):
        return selectors.household_detail(user=self.request.user,
                                          household_id=self.kwargs["pk"])

    def retrieve(self, request, *args, **kwargs):
        return Response(household_shown(request, self.get_object(), doing=REGISTER_RECORD))


def household_shown(request, household: Household, *, doing) -> dict:
    """One household with its members (``HouseholdDetailSerializer``): full identity and
    phone numbers for whom the rule allows (``selectors.identities_shown``), each showing
    recorded here with its purpose (``doing``, stored in the site's language) and path;
    masked for everyone else. The serializer gets whose numbers to show, not the request:
    it records nothing itself."""
    revealed = selectors.identities_shown(request.user, household.members.all(),
                                          area_code=household.area_id)
    record_reveal(request.user, revealed, path=request.path,
                  purpose=site_language(doing, household=household.pk))
    return s.HouseholdDetailSerializer(household, context={"full_identity": revealed.ids}).data


class CaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CaseStatus.choices)
    program = django_filters.CharFilter(field_name="program__code")
    area = django_filters.CharFilter(method="filter_area", label="area code (prefix)")

    class Meta:
        model = Case
        fields = ["status", "program", "area"]

    def filter_area(self, queryset, name, value):
        return queryset.filter(area__code__startswith=value)


class CaseList(generics.ListCreateAPIView):
    filterset_class = CaseFilter

    def get_serializer_class(self):
        return s.CaseCreateSerializer if self.request.method == "POST" else s.CaseSerializer

    def get_queryset(self):
        return with_due(selectors.case_list(self.request.user))

    @extend_schema(request=s.CaseCreateSerializer, responses={201: s.CaseSerializer})
    def post(self, request):
        ser = s.CaseCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        household = selectors.households_for(request.user).filter(pk=data["household"]).first()
        if household is None:
            raise InvalidInput(_("No such household in your area."), field="household")
        program = Program.objects.filter(code=data["program"]).first()
        if program is None:
            raise InvalidInput(_("No such program."), field="program")
        applicant = Person.objects.filter(pk=data["applicant"], household=household).first()
        if applicant is None:
            raise InvalidInput(_("The applicant is not a member of this household."),
                               field="applicant")
        project = None
        if data.get("project") is not None:
            project = projects_open_to(household).filter(pk=data["project"]).first()
            if project is None:
                raise InvalidInput(_("Choose one of your township's open projects."),
                                   field="project")
        case = services.submit_application(actor=request.user, household=household,
                                           program=program, applicant=applicant,
                                           statement=data.get("statement", ""),
                                           consent=data["consent"], project=project)
        case = selectors.case_detail(user=request.user, case_id=case.pk)
        return Response(s.CaseSerializer(case, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class CaseDetail(APIView):
    @extend_schema(responses=s.CaseDetailSerializer)
    def get(self, request, pk: int):
        case = selectors.case_file(user=request.user, case_id=pk)
        record_health_view(request.user, case, purpose=access_purpose(request.user, case.pk),
                           path=request.path)
        ctx = {"request": request, "open_tasks": open_tasks_of(case)}
        return Response(s.CaseDetailSerializer(case, context=ctx).data)


class CaseHistory(APIView):
    @extend_schema(responses=s.AuditEventSerializer(many=True))
    def get(self, request, pk: int):
        case = selectors.case_detail(user=request.user, case_id=pk)
        return Response(s.AuditEventSerializer(selectors.case_history(case), many=True).data)


class CaseVerify(APIView):
    """Whether the case's history is intact: its hash chain, its newest event's seal, its
    head and the signed checkpoints, and the rows it describes; else the first broken
    event and why, and each row that disagrees with the history."""

    @extend_schema(responses=s.CaseVerificationSerializer)
    def get(self, request, pk: int):
        case = selectors.case_detail(user=request.user, case_id=pk)
        return Response(s.CaseVerificationSerializer(verify_case(case).as_dict()).data)


class _CaseAction(APIView):
    input_serializer: type[serializers.Serializer]

    def case(self, request, pk):
        return selectors.case_detail(user=request.user, case_id=pk)

    def respond(self, request, case):
        case = selectors.case_detail(user=request.user, case_id=case.pk)
        return Response(s.CaseSerializer(case, context={"request": request}).data)


class CaseWithdraw(_CaseAction):
    @extend_schema(request=s.WithdrawSerializer, responses=s.CaseSerializer)
    def post(self, request, pk: int):
        ser = s.WithdrawSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        case = services.withdraw(actor=request.user, case=self.case(request, pk),
                                 reason=ser.validated_data.get("reason", ""))
        return self.respond(request, case)


class CaseResubmit(_CaseAction):
    @extend_schema(request=s.ResubmitSerializer, responses=s.CaseSerializer)
    def post(self, request, pk: int):
        ser = s.ResubmitSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        case = services.resubmit(actor=request.user, case=self.case(request, pk),
                                 statement=ser.validated_data.get("statement", ""))
        return self.respond(request, case)


class CaseObjections(_CaseAction):
    @extend_schema(request=s.ObjectionSerializer, responses={201: s.ObjectionSerializer})
    def post(self, request, pk: int):
        ser = s.ObjectionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        objection = services.lodge_objection(actor=request.user, case=self.case(request, pk),
                                             **ser.validated_data)
        return Response(s.ObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)


class CaseDocuments(_CaseAction):
    @extend_schema(request={"multipart/form-data": s.DocumentUploadSerializer},
                   responses={201: s.DocumentSerializer})
    def post(self, request, pk: int):
        ser = s.DocumentUploadSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        document = services.add_document(actor=request.user, case=self.case(request, pk),
                                         **ser.validated_data)
        return Response(s.DocumentSerializer(document).data, status=status.HTTP_201_CREATED)


class TaskList(generics.ListAPIView):
    """My open tasks, most urgent first: overdue, then by due date, untimed last."""

    serializer_class = s.TaskSerializer
    pagination_class = DuePagination

    def get_queryset(self):
        return tasks_for(self.request.user)


class TaskRecertification(APIView):
    """A village reviewer decides a re-certification review: continue or end."""

    @extend_schema(request=s.RecertificationDecisionSerializer,
                   responses=s.RecertificationSerializer)
    def post(self, request, pk: int):
        ser = s.RecertificationDecisionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            recertification = decide_review(actor=request.user, task_id=pk,
                                            **ser.validated_data)
        except Task.DoesNotExist:
            raise Http404(_("No such task among yours.")) from None
        return Response(s.RecertificationSerializer(recertification).data)


class TaskDecision(APIView):
    @extend_schema(request=s.TaskDecisionSerializer, responses=s.CaseSerializer)
    def post(self, request, pk: int):
        ser = s.TaskDecisionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            case = services.decide(actor=request.user, task_id=pk, **ser.validated_data)
        except Task.DoesNotExist:
            raise Http404(_("No such task among yours.")) from None
        case = selectors.case_detail(user=request.user, case_id=case.pk)
        return Response(s.CaseSerializer(case, context={"request": request}).data)


class CaseAppeals(_CaseAction):
    """A case's appeals (GET), and lodging one against its rejection (POST)."""

    @extend_schema(responses=s.AppealSerializer(many=True))
    def get(self, request, pk: int):
        return Response(s.AppealSerializer(appeals_of(self.case(request, pk)), many=True).data)

    @extend_schema(request=s.AppealLodgeSerializer, responses={201: s.AppealSerializer})
    def post(self, request, pk: int):
        ser = s.AppealLodgeSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        appeal = lodge_appeal(actor=request.user, case=self.case(request, pk),
                              grounds=ser.validated_data["grounds"])
        return Response(s.AppealSerializer(appeal).data, status=status.HTTP_201_CREATED)


class TaskAppeal(APIView):
    """The level above decides an appeal task: uphold, or dismiss with a reason."""

    @extend_schema(request=s.AppealDecisionSerializer, responses=s.AppealSerializer)
    def post(self, request, pk: int):
        ser = s.AppealDecisionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        try:
            appeal = decide_appeal(actor=request.user, task_id=pk, **ser.validated_data)
        except Task.DoesNotExist:
            raise Http404(_("No such task among yours.")) from None
        return Response(s.AppealSerializer(appeal).data)
