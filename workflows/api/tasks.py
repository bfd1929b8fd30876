"""The inbox API's order and its bulk approval.

- ``DuePagination``: ``GET /tasks/`` most urgent first (``workflows.due_order``: overdue,
  then by due date, untimed last, ties by id), keyset pages whose ``next`` carries the
  last row's cursor; at most two statements for the page's tasks and one for the cases
  they are about (``selectors.inbox_page``), never a COUNT; rows are plain tuples.
- ``TaskBulkApprove``: ``POST /tasks/approve/`` approves several tasks at once, each case
  through ``services.decide`` in its own transaction (``workflows.bulk.services``); cash programs
  and objection reviews are refused per task, as are tasks that are not the caller's.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.api.pagination import KeysetPagination

from ..bulk import services as bulk
from ..due_order import DueCursor, deadline_scope
from ..selectors import inbox_page


class DuePagination(KeysetPagination):
    """Open tasks in due order; ``?after=`` takes the cursor ``next`` carries."""

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.requested_size(request)
        raw = request.query_params.get("after")
        after = DueCursor.parse(raw) if raw else None
        if raw and after is None:
            raise ValidationError({"after": ["Not a cursor from `next`."]})
        self.rows, self.has_next = inbox_page(queryset, after, size,
                                              deadline_scope(request.user))
        return self.rows

    def cursor_of(self, row) -> str:
        return str(DueCursor.of(row))

    def get_schema_operation_parameters(self, view):
        return [
            {"name": "after", "required": False, "in": "query",
             "description": "Continue after this cursor (from `next`): most urgent first, "
                            "overdue tasks, then by due date, untimed last.",
             "schema": {"type": "string"}},
            {"name": "page_size", "required": False, "in": "query",
             "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size}},
        ]


class BulkApproveSerializer(serializers.Serializer):
    tasks = serializers.ListField(child=serializers.CharField(max_length=20), min_length=1,
                                  max_length=bulk.MAX_BULK, label=_("tasks"))
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000,
                                 label=_("note"))


class BulkApproveItemSerializer(serializers.Serializer):
    task = serializers.IntegerField(source="task_id")
    case = serializers.SerializerMethodField()
    step = serializers.CharField()
    approved = serializers.BooleanField()
    reason = serializers.SerializerMethodField(
        help_text="why the task was not approved (empty if it was)")

    def get_case(self, item) -> int | None:
        return item.case.pk if item.case is not None else None

    def get_reason(self, item) -> str:
        return "" if item.approved else (item.error or item.refusal)


class BulkApproveResultSerializer(serializers.Serializer):
    results = BulkApproveItemSerializer(many=True)


class TaskBulkApprove(APIView):
    """Approve several of my tasks at one step; one result per task, in the order given."""

    @extend_schema(request=BulkApproveSerializer, responses=BulkApproveResultSerializer)
    def post(self, request):
        ser = BulkApproveSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        items = bulk.approve(actor=request.user, task_ids=ser.validated_data["tasks"],
                             note=ser.validated_data.get("note", ""))
        return Response(BulkApproveResultSerializer({"results": items}).data)
