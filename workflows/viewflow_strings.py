"""viewflow's own words on the staff pages, listed so that our catalogue translates them.

viewflow 2.4 ships a ``zh_Hans`` catalogue with every ``msgstr`` empty, so its
task and process statuses ("New", "Assigned", "Done", ...), its menu, action
and button labels ("Dashboard", "Execute", "Unassign", ...) and its messages
("Task {task} has been assigned.") stayed English on our zh-hans pages.
``makemessages`` only reads our own code and templates; this module repeats
those msgids, exactly as viewflow spells them, so they land in
``locale/zh_Hans/LC_MESSAGES/django.po``. At run time Django merges every
catalogue and ``LOCALE_PATHS`` wins, so viewflow's own ``gettext`` calls then
find our translations.

Nothing imports this module and nothing here runs: ``gettext_noop`` only marks
a string. The statuses are ``pgettext_lazy("STATUS", ...)`` in
``viewflow/workflow/status.py``: a msgid only matches with the same
``msgctxt``, and Django has no ``pgettext_noop``, so they are marked with
``pgettext_lazy`` (lazy: nothing is translated at import).

Where they come from (``.venv/lib/python3.11/site-packages/viewflow``):
``workflow/status.py`` (STATUS, PROCESS), the templates the staff pages
extend or include (``base_page.html``, ``includes/app_menu.html``,
``includes/site_menu.html``, ``includes/list_filter.html``,
``workflow/process_list.html``,
``workflow/task_list.html``, ``workflow/tasks_assign.html``,
``workflow/tasks_unassign.html``), the transition labels of a ``View`` task
(``workflow/nodes/view.py``: the method names, or ``label="Execute"``) that
``task_detail.html`` shows with ``{% trans label %}``, and
``workflow/flow/views/`` (list titles, bulk actions, messages).

Not catalogue strings, so not here: the menu button's ``aria-label="Open
navigation menu"`` (plain text in ``viewflow/base_page.html``) and the bulk
actions' "No objects selected" message (plain text in
``viewflow/views/actions.py``).
"""

from django.utils.translation import gettext_noop, pgettext_lazy

# viewflow/workflow/status.py: STATUS (tasks) and PROCESS (processes), msgctxt "STATUS"
STATUSES = (
    pgettext_lazy("STATUS", "New"),
    pgettext_lazy("STATUS", "Assigned"),
    pgettext_lazy("STATUS", "Started"),
    pgettext_lazy("STATUS", "Done"),
    pgettext_lazy("STATUS", "Canceled"),
    pgettext_lazy("STATUS", "Error"),
    pgettext_lazy("STATUS", "Scheduled"),
    pgettext_lazy("STATUS", "Revived"),
)

# the site and flow menus, list pages and page frame
PAGES = (
    gettext_noop("Dashboard"),
    gettext_noop("Inbox"),
    gettext_noop("Queue"),
    gettext_noop("Archive"),
    gettext_noop("Processes"),
    gettext_noop("Process list"),
    gettext_noop("Applications"),
    gettext_noop("Back"),
    gettext_noop("Filter"),
    gettext_noop("Profile"),
    gettext_noop("Login"),
    gettext_noop("Log out"),
    gettext_noop("Process"),
    gettext_noop("Task"),
    gettext_noop("Tasks"),
    gettext_noop("Created"),
)

# a task's actions (transition labels) and the form's buttons
ACTIONS = (
    gettext_noop("Assign"),
    gettext_noop("Unassign"),
    gettext_noop("Reassign"),
    gettext_noop("Execute"),
    gettext_noop("Cancel"),
    gettext_noop("Undo"),
    gettext_noop("Revive"),
)

# the bulk assign / unassign pages of the queue and inbox
BULK = (
    gettext_noop("Assign selected tasks"),
    gettext_noop("Unassign selected tasks"),
    gettext_noop("Brief"),
    gettext_noop("Process brief"),
    gettext_noop("confirm"),
)

# messages viewflow's views show in the snackbar
MESSAGES = (
    gettext_noop("Task {task} has been assigned."),
    gettext_noop("Task {task} has been unassigned."),
    gettext_noop("You have no rights to view this task"),
)
