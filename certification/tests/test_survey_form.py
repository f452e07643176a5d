"""The 認定調査票 definition against domain.md §2.5 / §2.5a, and its validation."""

import pytest
from django.core.exceptions import ValidationError

from certification import survey_form as form

from .factories import COMPLETE_ANSWERS


def test_the_survey_form_definition_matches_section_2_5_item_for_item():
    assert [len(g.items) for g in form.GROUPS] == [13, 12, 9, 15, 6]  # 55 numbered items
    assert list(form.BASIC_ITEMS) == [
        f"{g}-{n}"
        for g, count in zip(range(1, 6), [13, 12, 9, 15, 6], strict=True)
        for n in range(1, count + 1)
    ]
    assert [code for code, item in form.ALL_ITEMS.items() if item.multiple] == ["1-1", "1-2", "6-1", "6-2"]
    # 62 counting the sub-choices of 1-1 (5) and 1-2 (4) apart, 74 with the 12 special-medical items
    assert (
        55 - 2 + 5 + 4 == 62
        and 62 + len(form.SPECIAL_TREATMENTS) + len(form.SPECIAL_CARE) == form.NOMINAL_ITEM_COUNT
    )
    assert (len(form.SPECIAL_TREATMENTS), len(form.SPECIAL_CARE)) == (9, 3)
    item = form.ALL_ITEMS
    assert item["1-1"].choices == ("ない", "左上肢", "右上肢", "左下肢", "右下肢", "その他（四肢の欠損）")
    assert item["1-2"].choices == ("ない", "肩関節", "股関節", "膝関節", "その他（四肢の欠損）")
    assert item["1-5"].choices == ("できる", "自分の手で支えればできる", "支えてもらえればできる", "できない")
    assert item["1-10"].choices == ("介助されていない", "一部介助", "全介助", "行っていない")
    assert len(item["1-12"].choices) == len(item["1-13"].choices) == 5
    for code in ("1-3", "1-4", "1-7", "1-8"):
        assert item[code].choices == ("つかまらないでできる", "何かにつかまればできる", "できない")
    for code in ("1-6", "1-9"):
        assert item[code].choices == ("支えなしでできる", "何か支えがあればできる", "できない")
    for code in ("1-11", "2-7", "2-8", "2-9", "5-1", "5-2"):
        assert item[code].choices == ("介助されていない", "一部介助", "全介助")
    for code in ("2-1", "2-2", "2-4", "2-5", "2-6", "2-10", "2-11", "5-5", "5-6"):
        assert item[code].choices == ("介助されていない", "見守り等", "一部介助", "全介助")
    assert item["2-3"].choices == ("できる", "見守り等", "できない")
    assert item["2-12"].choices == ("週1回以上", "月1回以上", "月1回未満")
    assert item["3-1"].choices == (
        "調査対象者が意思を他者に伝達できる",
        "ときどき伝達できる",
        "ほとんど伝達できない",
        "できない",
    )
    for n in range(2, 8):
        assert item[f"3-{n}"].choices == ("できる", "できない")
    for code in ("3-8", "3-9", *(f"4-{n}" for n in range(1, 16)), "5-4"):
        assert item[code].choices == ("ない", "ときどきある", "ある")
    assert item["5-3"].choices == (
        "できる（特別な場合でもできる）",
        "特別な場合を除いてできる",
        "日常的に困難",
        "できない",
    )
    assert [i.label for i in form.GROUPS[3].items][:3] == ["被害的", "作話", "感情が不安定"]
    assert item["7-1"].choices == ("自立", "J1", "J2", "A1", "A2", "B1", "B2", "C1", "C2")
    assert item["7-2"].choices == ("自立", "Ⅰ", "Ⅱa", "Ⅱb", "Ⅲa", "Ⅲb", "Ⅳ", "M")


def test_a_complete_survey_is_valid():
    form.survey_validate(COMPLETE_ANSWERS, {"1-1": "特になし", "6-2": "留置カテーテル"})


@pytest.mark.parametrize(("change", "notes", "field", "message"), [
    ({"1-3": None}, {}, "1-3", "1-3 寝返りを選択してください。"),
    ({"1-3": 4}, {}, "1-3", "1-3 寝返りの選択肢が正しくありません。"),
    ({"1-3": [1]}, {}, "1-3", "1-3 寝返りは一つだけ選択してください。"),
    ({"1-3": True}, {}, "1-3", "1-3 寝返りの選択肢が正しくありません。"),
    ({"1-1": [1, 2]}, {}, "1-1", "1-1 麻痺等の有無で「ない」と他の選択肢は同時に選べません。"),
    ({"1-2": [2, 2]}, {}, "1-2", "1-2 拘縮の有無で同じ選択肢が重複しています。"),
    ({"6-1": [10]}, {}, "6-1", "6-1 処置内容の選択肢が正しくありません。"),
    ({"7-2": 9}, {}, "7-2", "7-2 認知症高齢者の日常生活自立度の選択肢が正しくありません。"),
    ({"8-1": 1}, {}, "8-1", "調査項目 8-1 はありません。"),
    ({}, {"9-9": "x"}, "notes.9-9", "特記事項の項目番号 9-9 はありません。"),
])  # fmt: skip
def test_survey_validation_errors(change, notes, field, message):
    answers = {**COMPLETE_ANSWERS, **change}
    with pytest.raises(ValidationError) as error:
        form.survey_validate(answers, notes)
    assert error.value.message_dict == {field: [message]}


OVERVIEW = {"previous": 2, "previous_certified_on": "2025-04-01", "previous_result": "要介護1",
            "contact": "長女 03-0000-0000", "services": "通所介護 週2回", "environment": "長女と同居、2階建て"}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [({"mood": "良好"}, "overview.mood", "概況調査の項目 mood はありません。"),
     ({"previous": 3}, "overview.previous", "過去の認定は 1（初回）か 2（2回目以降）で指定してください。"),
     ({"previous": True}, "overview.previous", "過去の認定は 1（初回）か 2（2回目以降）で指定してください。"),
     ({"previous_certified_on": ""}, "overview.previous_certified_on", "2回目以降の申請では前回認定日を入力してください。"),
     ({"previous_certified_on": "2025/04/01"}, "overview.previous_certified_on", "前回認定日は YYYY-MM-DD で指定してください。"),
     ({"services": "あ" * 1001}, "overview.services", "現在受けているサービスの状況は1000文字以内の文章で入力してください。"),
     ({"contact": 3}, "overview.contact", "連絡先（電話番号・家族等）は200文字以内の文章で入力してください。")],
)  # fmt: skip
def test_overview_validation_errors(change, field, message):
    with pytest.raises(ValidationError) as error:
        form.survey_validate(COMPLETE_ANSWERS, {}, {**OVERVIEW, **change})
    assert error.value.message_dict == {field: [message]}


def test_a_complete_overview_and_a_first_application_without_history_are_valid():
    form.survey_validate(COMPLETE_ANSWERS, {}, OVERVIEW)
    form.survey_validate(COMPLETE_ANSWERS, {}, {"previous": 1})
    form.survey_validate(COMPLETE_ANSWERS, {}, {})
