"""Links that apps add to pages they do not own (kaigo_portal.links)."""

import pytest

from kaigo_portal import links


@pytest.fixture
def registered(monkeypatch):
    monkeypatch.setattr(links, "_menu", [])
    monkeypatch.setattr(links, "_person", [])
    links.register_menu_link("施設の一覧（テスト）", "home", ["care_manager"], needs_office_number=True)
    links.register_person_link("self", "careplan", "ケアプラン（テスト）", "consent:my_data")
    return links


def test_a_menu_link_shows_for_its_roles_only(db, login, cast, registered):
    page = login(cast["bob"]).get("/").content.decode()
    assert "施設の一覧（テスト）" in page
    page = login(cast["alice"]).get("/").content.decode()
    assert "施設の一覧（テスト）" not in page


def test_registering_twice_adds_one_link_and_a_wrong_audience_is_refused(registered):
    links.register_person_link("self", "careplan", "ケアプラン（テスト）", "consent:my_data")
    assert links.self_person_links(7) == [("ケアプラン（テスト）", "/me/7/")]
    with pytest.raises(ValueError):
        links.register_person_link("clinic", "opinion", "x", "home")


def test_office_links_are_for_their_category(registered):
    links.register_person_link("office", "opinion", "意見書", "consent:office_person")
    assert links.office_person_links("opinion", "131011", "0000000001") == [
        ("意見書", "/care/persons/131011/0000000001/")
    ]
    assert links.office_person_links("careplan", "131011", "0000000001") == []
