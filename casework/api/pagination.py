"""Keyset pagination: ``?after=<id>`` pages on the indexed id, never COUNT(*)."""

from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


class KeysetPagination(BasePagination):
    """Newest first; ``next`` carries the last id seen. Constant cost per page."""

    page_size = 50
    max_page_size = 200
    ordering_field = "id"

    def requested_size(self, request) -> int:
        """``?page_size=`` within 1 and ``max_page_size``; the default if not a number."""
        try:
            size = min(int(request.query_params.get("page_size", self.page_size)),
                       self.max_page_size)
        except ValueError:
            size = self.page_size
        return max(size, 1)

    def cursor_of(self, row) -> int | str:
        """What ``next`` carries in ``?after=``: the last row's key."""
        return getattr(row, self.ordering_field)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.requested_size(request)
        after = request.query_params.get("after")
        if after:
            try:
                queryset = queryset.filter(**{f"{self.ordering_field}__lt": int(after)})
            except ValueError:
                from rest_framework.exceptions import ValidationError

                raise ValidationError({"after": ["Must be an integer id."]}) from None
        rows = list(queryset.order_by(f"-{self.ordering_field}")[: size + 1])
        self.has_next = len(rows) > size
        self.rows = rows[:size]
        return self.rows

    def get_paginated_response(self, data):
        next_url = None
        if self.has_next and self.rows:
            next_url = replace_query_param(self.request.build_absolute_uri(), "after",
                                           self.cursor_of(self.rows[-1]))
        return Response({"next": next_url, "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {"name": "after", "required": False, "in": "query",
             "description": "Return rows with an id below this one (from `next`).",
             "schema": {"type": "integer"}},
            {"name": "page_size", "required": False, "in": "query",
             "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size}},
        ]
