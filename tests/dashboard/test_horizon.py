"""zun-ui in Horizon, driven in headless Chromium as a member and an admin
would drive it, against magnum_lite behind the stack's Keystone; every
effect is checked in Docker, not only on the page."""
import json
import time

import pytest
from selenium.common import exceptions as web_errors
from selenium.webdriver.common import action_chains as chain
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from harness import stack as shared
from tests.dashboard.conftest import SHOTS
from tests.dashboard.conftest import browser
from tests.integration import keystone_stack

WAIT = 60  # seconds a page has to show what the test waits for
# What Horizon shows instead of a page when a view raised.
BROKEN = ("Traceback", "Something went wrong", "Server Error (500)")


class Page:
    """One logged-in browser on Horizon."""

    def __init__(self, driver, url):
        self.driver = driver
        self.url = url

    def open(self, path):
        self.driver.get(self.url + path)
        self.whole()

    def whole(self):
        """The page rendered, without a Django error page."""
        WebDriverWait(self.driver, WAIT).until(
            lambda d: d.execute_script("return document.readyState") ==
            "complete")
        source = self.driver.page_source
        for sign in BROKEN:
            assert sign not in source, "%s shows %r" % (
                self.driver.current_url, sign)

    def until(self, condition, what, timeout=WAIT):
        try:
            return WebDriverWait(self.driver, timeout, 0.25,
                                 (web_errors.StaleElementReferenceException,
                                  web_errors.NoSuchElementException)).until(
                lambda d: condition())
        except web_errors.TimeoutException:
            self.shot("timeout")
            pytest.fail("after %d s, %s did not show %s" % (
                timeout, self.driver.current_url, what), pytrace=False)

    def find(self, xpath):
        return self.driver.find_element(By.XPATH, xpath)

    def finds(self, xpath):
        return self.driver.find_elements(By.XPATH, xpath)

    def click(self, xpath):
        element = self.until(lambda: ready.element_to_be_clickable(
            (By.XPATH, xpath))(self.driver), "a clickable " + xpath)
        element.click()
        return element

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def row(self, name):
        """The table row of the container (or image, host) `name`."""
        return self.find("//tr[.//a[normalize-space()='%s']]" % name)

    def row_says(self, name, status, reload_every=5):
        """Wait until the row of `name` shows `status`, reloading the list
        now and then (the table does not poll)."""
        started = [time.monotonic()]

        def shows():
            if time.monotonic() - started[0] > reload_every:
                self.driver.refresh()
                started[0] = time.monotonic()
            rows = self.finds("//tr[.//a[normalize-space()='%s']]" % name)
            return rows and status in rows[0].text.split()
        self.until(shows, "%s %s" % (name, status))

    def shot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(SHOTS / (name + ".png")))


def _login(driver, horizon, user, password):
    page = Page(driver, horizon["MAGNUM_LITE_TEST_HORIZON_URL"])
    page.open("/auth/login/")
    driver.find_element(By.ID, "id_username").send_keys(user)
    driver.find_element(By.ID, "id_password").send_keys(password)
    driver.find_element(By.ID, "loginBtn").click()
    page.until(lambda: "/auth/login" not in driver.current_url, "a login")
    return page


@pytest.fixture(scope="module")
def member(horizon, ks, aio):
    with browser(horizon) as driver:
        yield _login(driver, horizon, "alpha-member", ks.user_password)


@pytest.fixture(scope="module")
def admin(horizon, ks, aio):
    with browser(horizon) as driver:
        yield _login(driver, horizon, "cloud-admin", ks.user_password)


@pytest.fixture(scope="module")
def api(ks, aio):
    """The member's raw API client, to check what the page shows."""
    return keystone_stack.Client(aio.url, ks.token("alpha-member", "alpha"))


@pytest.fixture(autouse=True)
def no_failed_answers(aio):
    """A user's action on the dashboard gets no 4xx or 5xx from
    magnum_lite: each test's are listed and fail it."""
    mark = aio.access.mark()
    yield
    failed = aio.access.failed_since(mark)
    assert not failed, "magnum_lite answered the dashboard: %s" % failed


def _record(api, name):
    listed = api.get("/v1/containers").json()["containers"]
    return next((c for c in listed if c["name"] == name), None)


def _docker(aio, record):
    return aio.docker.inspect_container("magnum-lite-" + record["uuid"])


def _until(condition, what, timeout=WAIT):
    shared.wait_for(condition, timeout, 0.25, what)


def test_the_list_shows_the_projects_containers_as_the_api(member, api,
                                                            aio):
    made = api.request("POST", "/v1/containers", params={"run": "true"},
                       json={"name": "dash-listed", "image": aio.image,
                             "command": ["sleep", "300"]})
    assert made.status_code == 202, made.text
    _until(lambda: _record(api, "dash-listed")["status"] == "Running",
           "Running record")
    member.open("/project/container/containers")
    member.row_says("dash-listed", "Running")
    assert aio.image in member.row("dash-listed").text
    member.shot("containers-list")


def test_create_from_the_form_then_stop_start_and_delete(member, api, aio):
    member.open("/project/container/containers")
    member.click("//button[contains(., 'Create Container')]")
    member.until(lambda: member.find("//input[@id='name']").is_displayed(),
                 "the create form")
    member.find("//input[@id='name']").send_keys("dash-made")
    member.find("//input[@id='image']").send_keys(aio.image)
    member.find("//input[@id='command']").send_keys(
        "sh -c 'echo dash-hello; exec sleep 300'")
    member.click("//a[normalize-space()='Spec']")
    member.until(lambda: member.find("//input[@id='memory']").is_displayed(),
                 "the Spec step")
    # The field steps by 128 MiB.
    member.find("//input[@id='memory']").send_keys("128")
    member.click("//div[contains(@class,'modal-footer')]"
                 "//button[contains(., 'Create')]")
    member.row_says("dash-made", "Running")
    record = _record(api, "dash-made")
    inspected = _docker(aio, record)
    assert inspected["State"]["Running"]
    assert inspected["HostConfig"]["Memory"] == 128 * 1024 * 1024
    assert inspected["Config"]["Cmd"] == [
        "sh", "-c", "echo dash-hello; exec sleep 300"]

    # Its detail page: the record's uuid and status, then its logs.
    member.click("//a[normalize-space()='dash-made']")
    member.until(lambda: record["uuid"] in member.text(), "the detail page")
    member.whole()
    member.shot("container-detail")
    member.click("//a[normalize-space()='Logs']")
    member.until(lambda: "dash-hello" in member.text(), "the container's log")
    member.shot("container-logs")
    detail = member.driver.current_url

    # Stop, start and delete from the action menu of the detail page.
    _action(member, "Stop Container", confirm="Stop")
    _until(lambda: not _docker(aio, record)["State"]["Running"],
           "stopped Docker container")
    member.driver.get(detail)
    member.until(lambda: "Stopped" in member.text(), "Stopped")
    _action(member, "Start Container")
    _until(lambda: _docker(aio, record)["State"]["Running"],
           "started Docker container")
    member.driver.get(detail)
    member.until(lambda: "Running" in member.text(), "Running")
    _action(member, "Stop and Delete Container",
            confirm="Delete Container After Stop")
    _until(lambda: _record(api, "dash-made") is None, "deleted record")
    assert not aio.docker.containers(
        all=True, filters={"name": "magnum-lite-" + record["uuid"]})


def _action(page, label, confirm=None):
    """An item of the detail page's action menu (the first action is a
    button of its own, the rest are in the dropdown)."""
    buttons = page.finds("//button[normalize-space()='%s']" % label)
    if not buttons or not buttons[0].is_displayed():
        page.click("//button[contains(@class,'dropdown-toggle')]")
    page.click("//*[self::a or self::button][normalize-space()='%s']"
               % label)
    if confirm:
        page.click("//div[contains(@class,'modal-footer')]"
                   "//button[normalize-space()='%s']" % confirm)


def test_execute_from_the_action_menu(member, api, aio):
    made = api.request("POST", "/v1/containers", params={"run": "true"},
                       json={"name": "dash-exec", "image": aio.image,
                             "command": ["sleep", "300"]})
    assert made.status_code == 202, made.text
    record = made.json()
    _until(lambda: _record(api, "dash-exec")["status"] == "Running",
           "Running record")
    member.open("/ngdetails/OS::Zun::Container/" + record["uuid"])
    member.until(lambda: "Running" in member.text(), "the detail page")
    _action(member, "Execute Command")
    member.until(lambda: member.find("//input[@id='command']"),
                 "the execute form").send_keys("sh -c 'echo exec-$((6*7))'")
    member.click("//div[contains(@class,'modal-footer')]"
                 "//button[contains(., 'Execute')]")
    # The output is the value of the form's text area.
    member.until(lambda: "exec-42" in (member.find("//textarea").get_property(
        "value") or ""), "the command's output")
    member.shot("container-execute")


def test_capsule_from_a_template_then_its_detail_and_delete(member, api,
                                                           aio):
    member.open("/project/container/capsules")
    member.click("//button[normalize-space()='Create']")
    template = member.until(lambda: member.find("//textarea[@id='template']"),
                            "the template form")
    template.send_keys(json.dumps({
        "kind": "capsule", "metadata": {"name": "dash-pod"},
        "spec": {"containers": [{"name": "app", "image": aio.image,
                                 "command": ["sleep", "300"]}]}}))
    member.click("//div[contains(@class,'modal-footer')]"
                 "//button[normalize-space()='Create']")
    member.row_says("dash-pod", "Running")
    [capsule] = [c for c in api.get("/v1/capsules").json()["capsules"]
                 if c["name"] == "dash-pod"]
    sandbox = _docker(aio, capsule)
    [app] = capsule["containers"]
    assert sandbox["State"]["Running"]
    assert _docker(aio, app)["HostConfig"]["NetworkMode"] == (
        "container:" + sandbox["Id"])
    member.shot("capsules-list")

    # Its detail page names its container.
    member.click("//a[normalize-space()='dash-pod']")
    member.until(lambda: app["uuid"] in member.text(), "the detail page")
    member.whole()
    member.shot("capsule-detail")

    # Delete from the action menu of the list's row.
    member.open("/project/container/capsules")
    member.row_says("dash-pod", "Running")
    row = member.row("dash-pod")
    row.find_element(By.XPATH,
                     ".//button[contains(@class,'dropdown-toggle')]").click()
    member.until(lambda: row.find_element(
        By.XPATH, ".//a[normalize-space()='Delete']"), "the row's Delete") \
        .click()
    member.click("//div[contains(@class,'modal-footer')]"
                 "//button[normalize-space()='Delete Capsule']")
    _until(lambda: not [c for c in api.get("/v1/capsules").json()[
        "capsules"] if c["name"] == "dash-pod"], "deleted capsule")
    assert not [c for c in aio.docker.containers(all=True)
                if c["Labels"].get("magnum_lite.uuid") in (
                    capsule["uuid"], app["uuid"])]


@pytest.mark.parametrize("panel", ["hosts", "images"])
def test_the_admin_panels_of_the_hosts(admin, aio, panel):
    shows = {"hosts": aio.host, "images": aio.image.partition(":")[0]}[panel]
    admin.open("/admin/container/" + panel)
    admin.until(lambda: shows in admin.text(), shows)
    admin.whole()
    admin.shot("admin-" + panel)


def test_the_admin_panel_of_the_containers(admin, api, aio):
    made = api.request("POST", "/v1/containers", json={
        "name": "dash-admin-sees", "image": aio.image})
    assert made.status_code == 202, made.text
    admin.open("/admin/container/containers")
    admin.row_says("dash-admin-sees", "Created")
    admin.whole()
    admin.shot("admin-containers")


def test_cloud_shell_opens_a_working_shell(member, aio, api):
    member.open("/project/container/containers")
    member.click("//a[contains(., 'Cloud Shell')]")
    # The first time, zun-ui makes the shell's container and says to wait.
    _until(lambda: any(c["labels"].get("cloud-shell")
                       for c in api.get("/v1/containers").json()[
                           "containers"]), "cloud shell container")
    shell = next(c for c in api.get("/v1/containers").json()["containers"]
                 if c["labels"].get("cloud-shell"))
    _until(lambda: _record(api, shell["name"])["status"] == "Running",
           "Running cloud shell")
    member.open("/project/container/containers")
    member.click("//a[contains(., 'Cloud Shell')]")
    frame = member.until(lambda: member.find("//iframe[@id='console_embed']"),
                         "the console's frame")
    member.driver.switch_to.frame(frame)
    try:
        # Horizon's serial console (term.js) over magnum_lite's proxy.
        member.until(lambda: "Status: Open" in member.text(),
                     "an open websocket")
        member.click("//div[@id='terminalNode']")
        chain.ActionChains(member.driver).send_keys(
            "echo $((6*7))-shell" + Keys.ENTER).perform()
        member.until(lambda: "42-shell" in member.text(), "the shell's answer")
    finally:
        member.driver.switch_to.default_content()
    member.shot("cloud-shell")
    inspected = _docker(aio, shell)
    assert inspected["Image"] == aio.docker.inspect_image(
        aio.cloud_shell_image)["Id"]
    assert inspected["Config"]["OpenStdin"] and inspected["Config"]["Tty"]
