"""Data in through the dashboard (issue 12): a scheme manager signs in through the real identity provider, uploads a
messy export, sees the report before anything is stored, confirms; the latest figures change and the published ones
do not until an admin publishes; the submission is withdrawn and the figures return."""

from __future__ import annotations

import csv
import re

import pytest
from playwright.sync_api import expect

from kpi.data import store, submissions, users

from .axe import serious_violations
from .conftest import wait_for_app
from .oidc import SIDEBAR, oidc_provider, sign_in, start_signin_app  # noqa: F401  (fixtures)

GOOD_ROWS = 150  # more than the public rounding of totals (100), so the rounded total moves too
BAD_ROWS = 2


@pytest.fixture(scope="module")
def upload_app(streamlit_server, oidc_provider, sample_store, tmp_path_factory):
    """The dashboard over its own copy of the sample store (this test writes to it)."""
    folder = tmp_path_factory.mktemp("upload")
    root = folder / "store"
    store.copy_store(sample_store, root)
    app, forwarder = start_signin_app(streamlit_server, oidc_provider, root, folder)
    app.root = root
    try:
        yield app
    finally:
        forwarder.close()


def messy_export(path, scheme_id: str):
    """An export as a scheme's spreadsheet gives it: printed labels, and two rows that break the rules."""
    header = ["Response ID", "Person ID", "Scheme ID", "Date completed", "Arrangement", "Feeling connected"]
    rows = [[f"UPL-{i:04d}", f"UPP-{i:04d}", scheme_id, "15/01/2025", "Live-in", "Positive"]
            for i in range(GOOD_ROWS)]
    rows.append(["UPL-BAD1", "UPP-BAD1", scheme_id, "31/02/2025", "Live-in", "Positive"])  # no such date
    rows.append(["UPL-BAD2", "UPP-BAD2", scheme_id, "15/01/2025", "Sometimes", "Positive"])  # no such arrangement
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])
    return path


def answers_total(page, url: str, latest: bool) -> int:
    """The "Answers" figure of the Definitions page (rounded to a hundred outside the exact roles)."""
    page.goto(f"{url}/definitions" + ("?version=latest" if latest else ""))
    wait_for_app(page, charts=False)
    text = page.get_by_test_id("stMetric").filter(has_text="Answers").get_by_test_id("stMetricValue").inner_text()
    return int(re.sub(r"\D", "", text))


def test_a_scheme_manager_uploads_an_admin_publishes_and_a_withdrawal_takes_the_rows_out(
        page, chromium_browser, upload_app, oidc_provider, tmp_path, assert_no_exception, save_screenshot):
    schemes = store.read_table(upload_app.root, "schemes").to_pandas().sort_values("scheme_id")
    own = str(schemes.iloc[0]["scheme_id"])
    users.add(upload_app.access, "mgr@example.org", "scheme_manager", schemes=[own], by="test")
    users.add(upload_app.access, "root@example.org", "admin", by="test")
    oidc_provider.put_user("mgr", {"email": "mgr@example.org", "email_verified": True})
    oidc_provider.put_user("root", {"email": "root@example.org", "email_verified": True})
    url = upload_app.url

    page.goto(f"{url}/definitions")
    wait_for_app(page, charts=False)
    sign_in(page, url, "mgr")
    expect(page.locator(SIDEBAR)).to_contain_text("Send data")
    before = answers_total(page, url, latest=False)

    page.goto(f"{url}/upload")
    wait_for_app(page, charts=False)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(messy_export(tmp_path / "export.csv", own)))
    expect(page.get_by_text("What would happen")).to_be_visible(timeout=60_000)
    main = page.get_by_test_id("stMain")
    expect(main).to_contain_text(f"read {GOOD_ROWS + BAD_ROWS} = to be stored {GOOD_ROWS} + already in the store 0 "
                                 f"+ set aside {BAD_ROWS}")
    expect(main).to_contain_text(f"{BAD_ROWS} rows would be set aside")
    assert [s.id for s in submissions.submissions(upload_app.root)] == ["S0000"], "the check stored nothing"
    assert_no_exception(page)
    save_screenshot(page, "upload-report")
    assert not serious_violations(page), "axe-core: the Send data page with its report"
    page.get_by_role("button", name="Store these rows").click()
    expect(main).to_contain_text(f"Stored {GOOD_ROWS} rows as submission S0001", timeout=60_000)

    latest = answers_total(page, url, latest=True)
    expect(page.get_by_text("not yet published").first).to_be_visible()
    assert latest > before, "the latest figures hold the new rows"
    assert answers_total(page, url, latest=False) == before, "the published figures do not, yet"

    admin = chromium_browser.new_context(viewport={"width": 1400, "height": 1600}).new_page()
    admin.goto(f"{url}/definitions")
    wait_for_app(admin, charts=False)
    sign_in(admin, url, "root")
    admin.goto(f"{url}/upload")
    wait_for_app(admin, charts=False)
    admin.get_by_role("button", name="Publish the latest version").click()
    expect(admin.get_by_text("the public sees it now")).to_be_visible(timeout=60_000)
    assert answers_total(page, url, latest=False) == latest, "published: everyone sees the new rows"

    page.goto(f"{url}/upload")
    wait_for_app(page, charts=False)
    page.get_by_text("Withdraw a submission").click()
    page.get_by_label("Why it is withdrawn (kept in the record)").fill("sent the wrong month")
    page.get_by_label("Why it is withdrawn (kept in the record)").press("Enter")
    page.get_by_role("button", name="Withdraw", exact=True).click()
    expect(page.get_by_text("Withdrew S0001")).to_be_visible(timeout=60_000)
    save_screenshot(page, "upload-withdrawn")
    assert answers_total(page, url, latest=True) == before, "withdrawn: the latest figures are as before"
    withdrawn = [s for s in submissions.submissions(upload_app.root) if s.id == "S0001"][0].withdrawn
    assert withdrawn["by"] == "mgr@example.org" and withdrawn["reason"] == "sent the wrong month"
    assert_no_exception(page)
    admin.context.close()
