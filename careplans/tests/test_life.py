"""LIFE: the score rules item by item, submission and its gate, the chart (with and without data), and
the distribution that identifies nobody."""

import datetime as dt
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from careplans.demo import barthel_scores
from careplans.life import feedback as life
from careplans.life import rules as life_rules
from careplans.life import services
from careplans.models import LifeAssessment
from conftest import make_org
from consent.models import ConsentStatus
from consent.tests.factories import consent, relationship
from kaigo_portal import access
from kaigo_portal.accounts.models import OrganisationKind
from kaigo_portal.errors import ApplicationError

from .conftest import api_client
from .factories import person

pytestmark = pytest.mark.django_db
FULL_BARTHEL = {key: max(allowed) for key, _label, allowed in life_rules.BARTHEL_ITEMS}
ZERO_DBD13 = {str(i): 0 for i in range(1, 14)}
FULL_VITALITY = {key: 2 for key, _label in life_rules.VITALITY_ITEMS}
NUTRITION = {"height_cm": "150", "weight_kg": "45", "risk": "low"}


@pytest.mark.parametrize(
    ("item", "allowed"), [(key, allowed) for key, _label, allowed in life_rules.BARTHEL_ITEMS]
)
def test_each_barthel_item_takes_only_its_own_scores(item, allowed):
    for score in range(-5, 21):
        checked = life_rules.validate(barthel={**FULL_BARTHEL, item: score})
        if score in allowed:
            assert checked.ok, (item, score)
        else:
            assert list(checked.errors) == [f"barthel.{item}"], (item, score)
            assert checked.errors[f"barthel.{item}"][0][0] == "life.score_not_allowed"


def test_barthel_has_exactly_the_ten_items_and_totals_0_to_100():
    assert [label for _k, label, _a in life_rules.BARTHEL_ITEMS] == [
        "食事",
        "車椅子からベッドへの移乗",
        "整容",
        "トイレ動作",
        "入浴",
        "歩行",
        "階段昇降",
        "着替え",
        "排便コントロール",
        "排尿コントロール",
    ]
    assert life_rules.validate(barthel=FULL_BARTHEL).barthel_total == 100
    assert life_rules.validate(barthel=dict.fromkeys(FULL_BARTHEL, 0)).barthel_total == 0


@pytest.mark.parametrize(
    ("section", "values", "key", "code"),
    [
        ("barthel", {**FULL_BARTHEL, "feeding": "5.0"}, "barthel.feeding", "life.not_a_number"),
        ("barthel", {**FULL_BARTHEL, "feeding": True}, "barthel.feeding", "life.not_a_number"),
        ("barthel", {k: v for k, v in FULL_BARTHEL.items() if k != "stairs"}, "barthel.stairs", "life.required"),
        ("barthel", {**FULL_BARTHEL, "running": 5}, "barthel.running", "life.unknown_item"),
        ("barthel", [10, 10], "barthel", "life.malformed"),
        ("dbd13", {**ZERO_DBD13, "13": 5}, "dbd13.13", "life.score_not_allowed"),
        ("dbd13", {**ZERO_DBD13, "1": -1}, "dbd13.1", "life.score_not_allowed"),
        ("dbd13", {k: v for k, v in ZERO_DBD13.items() if k != "7"}, "dbd13.7", "life.required"),
        ("dbd13", {**ZERO_DBD13, "14": 0}, "dbd13.14", "life.unknown_item"),
        ("vitality", {**FULL_VITALITY, "waking": 3}, "vitality.waking", "life.score_not_allowed"),
        ("vitality", {**FULL_VITALITY, "activity": ""}, "vitality.activity", "life.required"),
        ("nutrition", {**NUTRITION, "height_cm": "abc"}, "nutrition.height_cm", "life.not_a_number"),
        ("nutrition", {**NUTRITION, "height_cm": "30"}, "nutrition.height_cm", "life.out_of_range"),
        ("nutrition", {**NUTRITION, "weight_kg": "NaN"}, "nutrition.weight_kg", "life.out_of_range"),
        ("nutrition", {**NUTRITION, "weight_kg": ""}, "nutrition.weight_kg", "life.required"),
        ("nutrition", {**NUTRITION, "risk": "none"}, "nutrition.risk", "life.risk_not_allowed"),
    ],
)  # fmt: skip
def test_invalid_scores_are_refused_item_by_item(section, values, key, code):
    checked = life_rules.validate(**{section: values})
    assert [c for c, _m in checked.errors[key]] == [code]
    assert len(checked.errors) == 1


@pytest.mark.parametrize("item", [str(i) for i in range(1, 14)])
def test_each_dbd13_item_is_0_to_4(item):
    assert life_rules.validate(dbd13={**ZERO_DBD13, item: 4}).dbd13_total == 4
    assert not life_rules.validate(dbd13={**ZERO_DBD13, item: 5}).ok


def test_totals_and_bmi():
    checked = life_rules.validate(
        dbd13=dict.fromkeys(ZERO_DBD13, 4),
        vitality=FULL_VITALITY,
        nutrition={"height_cm": "152.5", "weight_kg": "48.2", "risk": "medium"},
    )
    assert (checked.dbd13_total, checked.vitality_total) == (52, 10)
    assert (checked.bmi, checked.nutrition_risk) == (Decimal("20.7"), "medium")
    assert life_rules.bmi(Decimal("160"), Decimal("64")) == Decimal("25.0")
    assert life_rules.validate().errors == {
        "non_field_errors": [("life.empty", "評価を1つ以上入力してください。")]
    }


def test_every_problem_of_a_submission_is_reported_at_once():
    checked = life_rules.validate(
        barthel={**FULL_BARTHEL, "feeding": 7, "bathing": 10}, vitality={**FULL_VITALITY, "eating": 9}
    )
    assert sorted(checked.errors) == ["barthel.bathing", "barthel.feeding", "vitality.eating"]


# --- submission ------------------------------------------------------------------------------------


def test_a_provider_submits_and_resubmits_a_month(hanako, carol):
    first = services.life_submit(
        actor=carol, person=hanako, month=dt.date(2026, 10, 15), barthel=FULL_BARTHEL
    )
    assert (first.month, first.barthel_total, first.bmi) == (dt.date(2026, 10, 1), 100, None)
    again = services.life_submit(actor=carol, person=hanako, month=dt.date(2026, 10, 1), nutrition=NUTRITION)
    assert again.pk == first.pk and again.bmi == Decimal("20.0") and again.barthel_total is None
    assert LifeAssessment.objects.count() == 1


def test_a_bad_submission_stores_nothing_and_says_which_items(hanako, carol):
    with pytest.raises(ApplicationError) as caught:
        services.life_submit(
            actor=carol, person=hanako, month=dt.date(2026, 10, 1), barthel={**FULL_BARTHEL, "grooming": 10}
        )
    assert caught.value.code == "life.invalid"
    assert caught.value.fields == {"barthel.grooming": ["整容の点数は 0・5 のいずれかです（10）。"]}
    with pytest.raises(ApplicationError) as caught:
        services.life_submit(actor=carol, person=hanako, month=dt.date(2026, 12, 1), barthel=FULL_BARTHEL)
    assert caught.value.code == "life.month_future"
    assert not LifeAssessment.objects.exists()


def life_api(org) -> APIClient:
    return api_client(org)


def body(**overrides):
    return {
        "person": {"insurer_number": "131011", "insured_number": "0000000501"},
        "month": "2026-10",
        "barthel": FULL_BARTHEL,
        **overrides,
    }


def test_the_api_takes_an_assessment_and_returns_it_whole(hanako, orgs):
    response = life_api(orgs["homon"]).post(
        "/api/v1/life/assessments/", body(nutrition=NUTRITION), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json() == {
        "month": "2026-10",
        "office_number": "1370100024",
        "barthel": FULL_BARTHEL,
        "barthel_total": 100,
        "dbd13": None,
        "dbd13_total": None,
        "vitality": None,
        "vitality_total": None,
        "nutrition": {"height_cm": "150.0", "weight_kg": "45.0", "bmi": "20.0", "risk": "low"},
    }


def test_the_api_refuses_bad_scores_item_by_item(hanako, orgs):
    response = life_api(orgs["homon"]).post(
        "/api/v1/life/assessments/",
        body(barthel={**FULL_BARTHEL, "transfer": 20}, dbd13={**ZERO_DBD13, "2": 9}),
        format="json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "life.invalid",
            "message": "評価の点数に誤りがあります。",
            "fields": {
                "barthel.transfer": ["車椅子からベッドへの移乗の点数は 0・5・10・15 のいずれかです（20）。"],
                "dbd13.2": [
                    "よく物をなくしたり、置場所を間違えたり、隠したりしているの点数は 0・1・2・3・4 のいずれかです（9）。"
                ],
            },
        }
    }


@pytest.mark.parametrize(
    ("month", "code"), [("2026/10", "life.month_format"), ("2026-13", "life.month_format")]
)
def test_the_api_refuses_a_bad_month(hanako, orgs, month, code):
    response = life_api(orgs["homon"]).post("/api/v1/life/assessments/", body(month=month), format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == code


def test_submission_needs_a_live_relationship_but_not_consent(hanako, orgs):
    consent(hanako, ConsentStatus.WITHDRAWN)
    assert life_api(orgs["homon"]).post("/api/v1/life/assessments/", body(), format="json").status_code == 201
    stranger = make_org(
        OrganisationKind.CARE_OFFICE, "通所介護", office_number="1370100040", services=("15",)
    )
    response = life_api(stranger).post("/api/v1/life/assessments/", body(), format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_reading_the_months_back_needs_consent(hanako, orgs, carol):
    services.life_submit(actor=carol, person=hanako, month=dt.date(2026, 10, 1), barthel=FULL_BARTHEL)
    url = "/api/v1/life/persons/131011/0000000501/"
    client = life_api(orgs["homon"])
    assert client.get(url).json() == {
        "insurer_number": "131011",
        "insured_number": "0000000501",
        "months": [
            {
                "month": "2026-10",
                "barthel_total": 100,
                "dbd13_total": None,
                "vitality_total": None,
                "bmi": None,
            }
        ],
    }
    consent(hanako, ConsentStatus.WITHDRAWN)
    response = client.get(url)
    assert response.status_code == 403 and response.json()["error"]["code"] == "no_consent"


def test_a_key_of_another_scope_is_refused(hanako, orgs):
    response = api_client(orgs["homon"], scope="read").post(
        "/api/v1/life/assessments/", body(), format="json"
    )
    assert response.status_code == 403


# --- the chart ---------------------------------------------------------------------------------------


def test_the_chart_draws_the_months_with_title_and_description(hanako, carol):
    for month, total, weight in ((8, 60, "44"), (9, 65, "45"), (10, 70, "46")):
        services.life_submit(
            actor=carol,
            person=hanako,
            month=dt.date(2026, month, 1),
            barthel={**FULL_BARTHEL, "walking": 0, "stairs": 0, "bathing": 0, "transfer": total - 55},
            dbd13=ZERO_DBD13,
            nutrition={**NUTRITION, "weight_kg": weight},
        )
    points = life.series_of(hanako)
    assert [p.barthel_total for p in points] == [60, 65, 70]
    svg = str(life.chart_svg(points, title="髙﨑 花子 さんの LIFE 評価の推移"))
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg" role="img"')
    assert '<title id="life-chart-title">髙﨑 花子 さんの LIFE 評価の推移</title>' in svg
    assert "令和8年10月（2026年10月）: Barthel 70、DBD13 0、BMI 20.4" in svg
    assert svg.count("<polyline") == 3 and svg.count("<circle") == 9
    assert "http" not in svg.replace("http://www.w3.org/2000/svg", "")  # no external resource


def test_the_chart_says_so_when_there_is_no_data():
    svg = str(life.chart_svg([], title="t"))
    assert "評価はまだありません" in svg and "<polyline" not in svg and 'role="img"' in svg


# --- the distribution ---------------------------------------------------------------------------------


def _assess(office, total: int, n: int, orgs) -> None:
    """`n` new persons served by `office`, with consent, each assessed with Barthel `total` in October."""
    staff = access.Actor(user=None, organisation=office, role="provider_staff")
    for _ in range(n):
        someone = person(insurer=orgs["chiyoda"])
        relationship(office, someone)
        consent(someone, on=dt.date(2026, 4, 1))
        services.life_submit(
            actor=staff, person=someone, month=dt.date(2026, 10, 1), barthel=barthel_scores(total)
        )


def test_the_distribution_shows_counts_and_hides_small_groups(orgs, carol, settings):
    settings.KAIGO_LIFE_MIN_GROUP_SIZE = 5
    other = make_org(OrganisationKind.CARE_OFFICE, "通所介護", office_number="1370100040", services=("15",))
    _assess(orgs["homon"], 100, 2, orgs)
    _assess(other, 90, 5, orgs)
    _assess(other, 30, 1, orgs)
    result = life.distribution_for(carol)
    assert (result.own_total, result.others_total) == (2, 6)
    assert [(b.label, b.own, b.others) for b in result.bands] == [
        ("0〜20", 0, None),
        ("25〜40", 0, None),
        ("45〜60", 0, None),
        ("65〜80", 0, None),
        ("85〜100", 2, 5),
    ]
    settings.KAIGO_LIFE_MIN_GROUP_SIZE = 7
    result = life.distribution_for(carol)
    assert result.others_total is None and all(b.others is None for b in result.bands)


def test_the_own_distribution_counts_only_persons_the_office_may_see(orgs, carol, hanako):
    services.life_submit(actor=carol, person=hanako, month=dt.date(2026, 10, 1), barthel=FULL_BARTHEL)
    assert life.distribution_for(carol).own_total == 1
    consent(hanako, ConsentStatus.WITHDRAWN)
    assert life.distribution_for(carol).own_total == 0
