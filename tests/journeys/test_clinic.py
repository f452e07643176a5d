"""The clinic's day: the requests, an opinion to write, the past opinions."""

from __future__ import annotations


def test_a_doctor_opens_a_request_and_the_form(journey):
    page = journey.page
    journey.sign_in("doctor@example.jp")
    journey.click("意見書の依頼一覧")
    main = journey.look()
    assert "依頼" in main
    page.locator("main table a").first.click()
    main = journey.look()
    assert "意見書を提出する" in main  # the web form of the request, ready to write
    journey.home()
    journey.click("過去の意見書")


def test_clinic_staff_see_the_requests(journey):
    journey.sign_in("clinic.staff@example.jp")
    journey.click("意見書の依頼一覧")
