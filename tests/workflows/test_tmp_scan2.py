from tests.workflows.test_staff_ui import APP, login  # noqa
def test_scan(client, staff):
    login(client, staff["district"])
    open("/tmp/inbox.html","w").write(client.get(APP+"inbox/").content.decode())
