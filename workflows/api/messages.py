"""In-app messages over the API: a user's own inbox, and the messages of a case.

- ``GET /messages/``: the caller's own messages, newest first, keyset pages (``?after``);
- ``GET /messages/unread-count/``: ``{"count": n, "more": bool}`` (counted up to 99);
- ``POST /messages/{id}/read/``: one of the caller's messages read (404 if not theirs);
- ``POST /messages/read-all/``: every unread message of the caller read;
- ``GET /cases/{id}/messages/``: what was sent about a case the caller may see (the case
  API's scoping; a family sees only what was sent to it), phone numbers masked.

Marking one's own messages read changes no case: read-only roles may do it too.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from casework import selectors
from casework.models import Message, User

from ..notifications import notify


class MessageSerializer(serializers.ModelSerializer):
    text = serializers.SerializerMethodField(help_text="In the request's language.")
    read = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "case", "template", "text", "created_at", "read", "read_at"]

    def get_text(self, message) -> str:
        return notify.message_text(message)

    def get_read(self, message) -> bool:
        return message.read_at is not None


class UnreadCountSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="Unread messages, at most 99.")
    more = serializers.BooleanField(help_text="More than 99 are unread.")


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField()


class CaseMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=["sms", "email", "inapp"])
    template = serializers.CharField()
    text = serializers.CharField(help_text="In the request's language.")
    recipient = serializers.CharField(help_text="Masked phone or address; in-app: who.")
    status = serializers.ChoiceField(choices=["sent", "pending", "failed"])
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    attempts = serializers.IntegerField()


class MessageList(generics.ListAPIView):
    """The caller's own in-app messages, newest first."""

    serializer_class = MessageSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        return notify.inbox_for(self.request.user)


class UnreadCount(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=UnreadCountSerializer)
    def get(self, request):
        count = notify.unread_count(request.user)
        return Response({"count": min(count, notify.UNREAD_LIMIT),
                         "more": count > notify.UNREAD_LIMIT})


class MessageRead(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=MessageSerializer)
    def post(self, request, pk: int):
        message = notify.inbox_for(request.user).filter(pk=pk).first()
        if message is None:  # also an id past the integer range: no such row
            raise Http404(_("No such message among yours."))
        notify.mark_read(request.user, [message.pk])
        message.refresh_from_db(fields=["read_at"])
        return Response(MessageSerializer(message, context={"request": request}).data)


class MessageReadAll(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=MarkedSerializer)
    def post(self, request):
        return Response({"marked": notify.mark_read(request.user)})


class CaseMessages(APIView):
    """The messages sent about a case, oldest first."""

    @extend_schema(responses=CaseMessageSerializer(many=True))
    def get(self, request, pk: int):
        case = selectors.case_detail(user=request.user, case_id=pk)
        family = request.user.role == User.Role.FAMILY
        rows = notify.outbox_rows(notify.case_outbox(case, family=family), case)
        return Response(CaseMessageSerializer(rows, many=True).data)
