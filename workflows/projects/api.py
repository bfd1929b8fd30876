"""Income projects (少生快富项目) in the REST API: HTTP in, a selector or service call, HTTP
out. Scoped like the staff pages (``casework.projects.selectors``): a project or household
the user may not read is a 404; a reader who does not keep the project gets 403 on
writes (``casework.access.require_keeper`` in the services); auditors are read-only."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import access
from casework.errors import InvalidInput
from casework.models import Case, Household
from casework.projects import selectors, services
from casework.projects.models import ProjectHousehold

from . import api_serializers as s

AREA_FILTER = OpenApiParameter(
    "area", str, description="Only the projects of this township (its code, or a prefix).")


class ProjectList(generics.ListCreateAPIView):
    """The projects the user may read (newest first, keyset pages); a township's keeper
    creates one."""

    serializer_class = s.ProjectSerializer

    def get_queryset(self):
        return selectors.projects_for(self.request.user,
                                      township=self.request.query_params.get("area", ""))

    @extend_schema(parameters=[AREA_FILTER], responses=s.ProjectSerializer(many=True))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.ProjectCreateSerializer, responses={201: s.ProjectSerializer})
    def post(self, request):
        ser = s.ProjectCreateSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        project = services.create_project(actor=request.user, area_code=data.pop("area"),
                                          **data)
        project = selectors.project_for(request.user, project.pk)
        return Response(s.ProjectSerializer(project).data, status=status.HTTP_201_CREATED)


class ProjectDetail(APIView):
    """One project; its keeper changes it (PATCH, any of its fields but the township)."""

    @extend_schema(responses=s.ProjectSerializer)
    def get(self, request, pk: int):
        return Response(s.ProjectSerializer(selectors.project_for(request.user, pk)).data)

    @extend_schema(request=s.ProjectUpdateSerializer, responses=s.ProjectSerializer)
    def patch(self, request, pk: int):
        project = selectors.project_for(request.user, pk)
        access.require_keeper(request.user, project.area_id)
        ser = s.ProjectUpdateSerializer(data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        services.update_project(actor=request.user, project=project, **ser.validated_data)
        return Response(s.ProjectSerializer(selectors.project_for(request.user, pk)).data)


class ProjectHouseholds(generics.ListCreateAPIView):
    """The households of a project the user may read (a village reviewer: their
    village's), newest first, keyset pages; the project's keeper adds one."""

    serializer_class = s.ProjectHouseholdSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular reading the view
            return ProjectHousehold.objects.none()
        project = selectors.project_for(self.request.user, self.kwargs["pk"])
        return selectors.households_of(self.request.user, project)

    @extend_schema(responses=s.ProjectHouseholdSerializer(many=True))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.ProjectHouseholdAddSerializer,
                   responses={201: s.ProjectHouseholdSerializer})
    def post(self, request, pk: int):
        project = selectors.project_for(request.user, pk)
        access.require_keeper(request.user, project.area_id)
        ser = s.ProjectHouseholdAddSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        household = (Household.objects.filter(access.area_q(request.user, household_field=""))
                     .filter(pk=data["household"]).first())
        if household is None:
            raise InvalidInput(_("No such household among those you may see."),
                               field="household")
        case = None
        if data.get("case"):
            case = (access.scope(Case.objects.select_related("program"), request.user)
                    .filter(pk=data["case"]).first())
            if case is None:
                raise InvalidInput(_("No such application among those you may see."),
                                   field="case")
        row = services.add_household(actor=request.user, project=project, household=household,
                                     joined_on=data["joined_on"],
                                     support_given=data["support_given"],
                                     support_yuan=data["support_yuan"], case=case)
        row = selectors.membership_for(request.user, project, row.pk)
        return Response(s.ProjectHouseholdSerializer(row).data, status=status.HTTP_201_CREATED)


class ProjectHouseholdDetail(APIView):
    """One household's time in a project; its keeper records the support given (PATCH)."""

    @extend_schema(responses=s.ProjectHouseholdSerializer)
    def get(self, request, pk: int, hid: int):
        project = selectors.project_for(request.user, pk)
        row = selectors.membership_for(request.user, project, hid)
        return Response(s.ProjectHouseholdSerializer(row).data)

    @extend_schema(request=s.SupportSerializer, responses=s.ProjectHouseholdSerializer)
    def patch(self, request, pk: int, hid: int):
        project = selectors.project_for(request.user, pk)
        row = selectors.membership_for(request.user, project, hid)
        access.require_keeper(request.user, project.area_id)
        ser = s.SupportSerializer(data=request.data, partial=True)
        ser.is_valid(raise_exception=True)
        data = ser.validated_data
        row.project = project
        services.record_support(actor=request.user, membership=row,
                                support_given=data.get("support_given", row.support_given),
                                support_yuan=data.get("support_yuan", row.support_yuan))
        row = selectors.membership_for(request.user, project, hid)
        return Response(s.ProjectHouseholdSerializer(row).data)


class ProjectHouseholdLeave(APIView):
    """The project's keeper records that the household left (``left_on``: the first day
    it is no longer in the project)."""

    @extend_schema(request=s.LeaveSerializer, responses=s.ProjectHouseholdSerializer)
    def post(self, request, pk: int, hid: int):
        project = selectors.project_for(request.user, pk)
        row = selectors.membership_for(request.user, project, hid)
        access.require_keeper(request.user, project.area_id)
        ser = s.LeaveSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        row.project = project
        services.leave_project(actor=request.user, membership=row,
                               left_on=ser.validated_data["left_on"])
        row = selectors.membership_for(request.user, project, hid)
        return Response(s.ProjectHouseholdSerializer(row).data)
