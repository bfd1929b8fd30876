"""``{% case_messages case as rows %}``: what was sent about a case (``notify.outbox_rows``),
for the staff case file; one statement. The caller has read ``case`` through the
user's scope."""

from django import template

from casework.models import User
from workflows.notifications import notify

register = template.Library()


@register.simple_tag(takes_context=True)
def case_messages(context, case):
    request = context.get("request")
    user = getattr(request, "user", None)
    family = getattr(user, "role", None) == User.Role.FAMILY
    return notify.outbox_rows(notify.case_outbox(case, family=family), case)
