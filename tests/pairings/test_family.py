"""The family's pairing page (/family/pairing/): the running pairing (partner, period, what
was agreed, visits), earlier ones, only the family's own; the scanned contract."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from casework.pairings import services

MINE = "/family/pairing/"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def sign(world, *, start, days, household=None, partner=None, actor=None, terms="养鸡技术指导",
         document=None):
    return services.sign_contract(
        actor=actor or world["users"]["village"], household=household or world["home"],
        data=services.ContractInput(partner=partner or world["breeder"], signed_on=start,
                                    starts_on=start, ends_on=start + timedelta(days=days),
                                    terms=terms, document=document))


def test_the_url_is_named():
    assert reverse("family:pairings_mine") == MINE


def test_the_family_sees_its_running_and_past_pairings(world, client):
    today = timezone.localdate()
    old = sign(world, start=today - timedelta(days=400), days=100, terms="旧合同的约定")
    current = sign(world, start=today - timedelta(days=20), days=1000, terms="免费提供鸡苗",
                   document=SimpleUploadedFile("c.png", PNG, content_type="image/png"))
    services.record_visit(actor=world["users"]["village"], contract=current,
                          visited_on=today - timedelta(days=3), visited_by="village",
                          visitor_name="村计生协会秘书", note="了解养殖情况")
    sign(world, household=world["away"], start=today, days=50,
         actor=world["users"]["township_other"], partner=world["orchard"], terms="别人家的")
    client.force_login(world["users"]["family"])
    response = client.get(MINE)
    assert response.status_code == 200
    text = response.content.decode()
    assert "应养鸡" in text and "免费提供鸡苗" in text and "了解养殖情况" in text
    assert (today - timedelta(days=20)).isoformat() in text
    assert "旧合同的约定" in text and f'id="contract-{old.pk}"' in text  # earlier pairings
    assert "别人家的" not in text and "白桃合作社" not in text
    url = reverse("family:pairings_document", args=[current.pk])
    assert url in text
    download = client.get(url)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG


def test_another_households_contract_is_404(world, client):
    today = timezone.localdate()
    away = sign(world, household=world["away"], start=today, days=50,
                actor=world["users"]["township_other"], partner=world["orchard"],
                document=SimpleUploadedFile("c.png", PNG, content_type="image/png"))
    client.force_login(world["users"]["family"])
    assert client.get(reverse("family:pairings_document", args=[away.pk])).status_code == 404


def test_a_family_not_paired_is_told_so(world, client):
    client.force_login(world["users"]["family"])
    text = client.get(MINE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "not paired" in text


def test_staff_and_anonymous_users_are_sent_away(world, client):
    response = client.get(MINE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(world["users"]["village"])
    response = client.get(MINE)
    assert response.status_code == 302 and response["Location"] == "/workflow/"


def test_the_page_reads_a_constant_number_of_statements(world, client,
                                                        django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    today = timezone.localdate()
    contract = sign(world, start=today - timedelta(days=20), days=1000)
    client.force_login(world["users"]["family"])
    client.get(MINE)
    with CaptureQueriesContext(connection) as few:
        client.get(MINE)
    for i in range(6):
        services.record_visit(actor=world["users"]["village"], contract=contract,
                              visited_on=today - timedelta(days=i), visited_by="partner")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(MINE)
