"""The staff UI's messages page (/workflow/messages/): the user's own in-app messages.

An ``Application`` of the staff site (``workflows.frontend``), so its URLs go through the
site's guard (login, families to /family/) and it has a place in the site's menu. Opening
a page reads what it shows: those messages are marked read (and shown as new this once);
"mark all as read" clears the rest. Newest first, keyset pages (``?after=<id>``): a
constant number of statements per page (session, user, the page, the unread count, and
the update that marks the page read).
"""

from django.contrib import messages as flash
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from viewflow.urls import Application

from .. import frontend_access as scope
from ..case_process import process_id_of
from . import notify

PAGE_SIZE = 25


def unread_messages(user):
    """The user's unread messages: the staff menu's badge counts them (``MenuBadges``,
    in the statement that reads the inbox and queue badges)."""
    return notify.inbox_for(user).filter(read_at__isnull=True)


class UnreadBadge:
    """The menu's messages badge: empty while nothing is unread."""

    def __init__(self, count):
        self.count = count

    def __str__(self):
        text = str(self.count)
        return "" if text == "0" else text


def _case_url(case) -> str:
    process_id = process_id_of(case) if case is not None else None
    if process_id is None:
        return ""
    try:
        return reverse("benefitapplication:process_detail", args=[process_id])
    except NoReverseMatch:  # pragma: no cover - the site is always mounted
        return ""


@require_GET
def message_list(request):
    rows = notify.inbox_for(request.user).select_related("case__process")
    after = request.GET.get("after", "")
    if after.isdigit():
        rows = rows.filter(pk__lt=int(after))
    page = list(rows.only("id", "case_id", "template", "payload", "text", "created_at",
                          "read_at", "case__id", "case__process__id")[:PAGE_SIZE + 1])
    has_next, page = len(page) > PAGE_SIZE, page[:PAGE_SIZE]
    unread = notify.unread_count(request.user)
    marked = notify.mark_read(request.user, [m.pk for m in page if m.read_at is None])
    if unread <= notify.UNREAD_LIMIT:  # what is left unread beyond this page
        unread -= marked
    return TemplateResponse(request, "workflows/staff/messages.html", {
        "rows": [{"message": m, "text": notify.message_text(m), "new": m.read_at is None,
                  "case_url": _case_url(m.case)} for m in page],
        "unread": unread,
        "unread_label": notify.unread_label(unread),
        "user_messages": notify.unread_label(unread) if unread else "",
        "next_after": page[-1].pk if has_next else None,
        "first_page": not after,
    })


@require_POST
def message_read_all(request):
    notify.mark_read(request.user)
    flash.success(request, _("All your messages are marked as read."))
    return HttpResponseRedirect(reverse("messages:index"))


class MessagesApp(Application):
    """The site's "Messages" entry: the signed-in staff member's own messages."""

    title = gettext_lazy("Messages")
    icon = "mail"
    app_name = "messages"
    base_template_name = "workflows/staff/base_page.html"
    menu_template_name = "workflows/staff/messages_menu.html"

    index_path = path("", message_list, name="index")
    read_all_path = path("read-all/", message_read_all, name="read_all")

    def has_view_permission(self, user, obj=None):
        return scope.is_staff(user)
