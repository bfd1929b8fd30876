"""What the staff site's own pages (the member roster, the dues campaigns) share: the
context every page has, a domain error shown on its form, the keyset pager's links."""

from casework.errors import DomainError
from casework.register import excel as register_io

from .notifications import notify


def base_context(request) -> dict:
    unread = notify.unread_count(request.user)
    return {"user_messages": notify.unread_label(unread) if unread else "",
            "may_keep": register_io.may_import(request.user)}


def domain_error(form, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def pager(request, next_after: str | int | None) -> dict[str, str]:
    """The keyset pager's links, keeping the other filters: the next page (the rows after
    ``next_after``; none on the last page) and the first (unless this is it)."""
    keep = request.GET.copy()
    keep.pop("after", None)
    if next_after is not None:
        keep["after"] = next_after
    first = f"?{without(request, 'after')}" if request.GET.get("after") else ""
    return {"next_url": f"?{keep.urlencode()}" if next_after is not None else "",
            "first_url": first}


def without(request, *names) -> str:
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return query.urlencode()
