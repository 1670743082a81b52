"""The census and the verified residents' back office in a real browser, with axe-core
(WCAG 2.1 AA) at desktop and phone sizes on every page. The census is replaced here, so the
test runs on a server of its own; the residents' side is in test_verification.py."""

import pytest

from tests.e2e.conftest import ADMIN

pytestmark = pytest.mark.e2e

CENSUS = ("document_number,birth_date,scope\n"
          "12.345.678-Z,1990-05-17,\n"
          "X1234567L,17/05/1985,\n")
BAD_CENSUS = ("document_number,birth_date\n"
              "12345678Z,someday\n"
              ",1990-05-17\n")


def test_staff_upload_the_census_and_revoke_a_verification(page, own_server, check_page,
                                                            sign_in, submit, tmp_path):
    sign_in(page, *ADMIN, server=own_server)
    page.goto(f"{own_server.url}/admin/")
    sidebar = page.get_by_role("navigation", name="Administration")
    submit(sidebar.get_by_role("link", name="Census"))
    assert page.locator("h1").inner_text() == "Census"
    check_page(page, "census-admin-census")

    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CENSUS)
    page.get_by_label("Census file (CSV)").set_input_files(str(bad))
    submit(page.get_by_role("button", name="Upload and replace the census"))
    assert "Line 2:" in page.locator("main").inner_text()
    assert "Line 3:" in page.locator("main").inner_text()
    check_page(page, "census-admin-census-errors")

    good = tmp_path / "census.csv"
    good.write_text(CENSUS)
    page.get_by_label("Census file (CSV)").set_input_files(str(good))
    submit(page.get_by_role("button", name="Upload and replace the census"))
    assert "The census is replaced: 2 people." in page.locator("main").inner_text()

    page.goto(f"{own_server.url}/admin/verifications")
    check_page(page, "census-admin-verified-residents")
    before = page.locator(".results-count").inner_text()
    submit(page.get_by_role("link", name="Revoke").first)
    check_page(page, "census-admin-revoke")
    submit(page.get_by_role("button", name="Revoke"))
    assert "is revoked" in page.locator("main").inner_text()
    assert page.locator(".results-count").inner_text() != before
    page.goto(f"{own_server.url}/admin/census/delete")
    check_page(page, "census-admin-census-delete")
