"""Register changes recorded by PostgreSQL's trigger: saves, bulk updates and raw SQL,
with the changed columns' old and new values, who (the request's user) and when."""

import pytest
from django.db import DatabaseError, connection, transaction

from casework.models import Household, Membership, Person, RegisterChange
from casework.personal import crypto
from eligibility.models import PolicyParameter
from tests import factories as f
from tests.api.test_households import payload

pytestmark = [
    pytest.mark.requires_postgres("the register change log is a PostgreSQL trigger"),
]


def changes(table, row_id=None):
    rows = RegisterChange.objects.filter(table=table).order_by("id")
    return list(rows.filter(row_id=str(row_id)) if row_id is not None else rows)


def test_a_bulk_update_records_each_row_with_old_and_new_values(areas):
    homes = [f.household(areas["v11"], address=f"旧地址{i}") for i in range(3)]
    before = RegisterChange.objects.count()
    Household.objects.filter(pk__in=[h.pk for h in homes]).update(address="新地址")
    logged = list(RegisterChange.objects.order_by("id")[before:])
    assert len(logged) == 3 and {c.op for c in logged} == {"UPDATE"}
    by_row = {c.row_id: c for c in logged}
    for i, home in enumerate(homes):
        change = by_row[str(home.pk)]
        assert change.old == {"address": f"旧地址{i}"} and change.new == {"address": "新地址"}
        assert change.actor_id is None  # not through a request: the system
    # an update that changes nothing is not a change
    Household.objects.filter(pk=homes[0].pk).update(address="新地址")
    assert RegisterChange.objects.count() == before + 3


def test_raw_sql_is_recorded_and_identity_numbers_and_phones_are_never_copied(areas):
    person = f.person(f.household(areas["v11"]), phone="13800138000")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE casework_person SET phone_enc = %s, phone_hash = %s, "
                       "name = '新名' WHERE id = %s",
                       [crypto.encrypt("13900139000"),
                        crypto.lookup_hash(crypto.PHONE, "13900139000"), person.pk])
    change = changes("casework_person", person.pk)[-1]
    assert change.new == {"phone": "***", "name": "新名"}
    assert change.old["phone"] == "***" and "13800138000" not in str(change.old)
    inserted = changes("casework_person", person.pk)[0]
    assert inserted.op == "INSERT" and inserted.new["id_number"] == "***"


def test_deletes_are_recorded(areas):
    person = f.person(f.household(areas["v11"]))
    pk = Membership.objects.get(person=person).pk
    Membership.objects.filter(pk=pk).delete()
    assert changes("casework_membership", pk)[-1].op == "DELETE"


def test_a_token_users_api_write_names_them(api, areas, staff):
    response = api(staff["village"]).post("/api/v1/households/", payload(areas), format="json")
    assert response.status_code == 201
    household = Household.objects.get(number="H-API-0001")
    assert changes("casework_household", household.pk)[0].actor_id == staff["village"].pk
    person = Person.objects.filter(household=household).first()
    assert changes("casework_person", person.pk)[0].actor_id == staff["village"].pk
    # the next request on the same connection does not inherit the user
    Household.objects.filter(pk=household.pk).update(address="x")
    assert changes("casework_household", household.pk)[-1].actor_id is None


def test_an_admin_edit_of_a_policy_parameter_names_the_admin(admin_client, admin_user,
                                                            programs):
    parameter = PolicyParameter.objects.filter(key="min_age").first()
    url = f"/admin/eligibility/policyparameter/{parameter.pk}/change/"
    form = admin_client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields
            if form[name].value() is not None}
    data["value"] = "61"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    logged = changes("eligibility_policyparameter", parameter.pk)[-1]
    assert logged.actor_id == admin_user.pk and logged.new == {"value": 61}
    assert logged.old == {"value": 60}


def test_the_change_log_is_append_only(areas):
    f.household(areas["v11"])
    change = RegisterChange.objects.latest("id")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        RegisterChange.objects.filter(pk=change.pk).update(op="X")
