"""The 4.1 codec against files written by hand from the layout annex (not from the portal's export):
MS932 with 髙橋 and 﨑, a quoted cell with a line break, CRLF or LF, a header row some software writes,
the file names of 4.1 and 3.x, and a bad cell reported with file, line and column."""

from __future__ import annotations

import pytest

from careplans.standard.codec import FileName, parse_name, read, write
from careplans.standard.layouts import LAYOUTS, UP2KYO, UP3KYO, UPSIKYU

# 第2表, two rows of one 課題 as the annex's data-placement example lays them (the 課題 printed once):
# 21 items of the annex, in order, the 22nd (識別子) empty.
UP2KYO_FILE = (
    '202407,131011,0000000201,20261120,20261120,1,"髙橋さんは一人で安全に入浴したい\r\n（浴槽の出入り）",1,'
    '"安全に入浴できる","介助で週2回入浴する","2026/12〜2027/05","2026/12〜2027/02",1,"入浴介助",Y,'
    '"訪問介護","1370100024","訪問介護ステーション﨑",週2回,"2026/12〜2027/02",1370100016,\r\n'
    '202407,131011,0000000201,20261120,20261120,1,,1,,,,,2,"見守り（家族）",,"","","家族（長女）",'
    '"毎日","2026/12〜2027/02",1370100016,\r\n'
).encode("cp932")


def test_a_hand_made_2nd_table_is_read_cell_by_cell():
    records, issues = read(
        UP2KYO, UP2KYO_FILE, file_name="UP2KYO_1370100016_43_1370100024_11_20261120103000.CSV"
    )
    assert issues == []
    first, second = records
    assert first["_line"] == "1" and second["_line"] == "3"  # the quoted line break spans a physical line
    assert first["課題"] == "髙橋さんは一人で安全に入浴したい\r\n（浴槽の出入り）"
    assert first["サービス事業所名"] == "訪問介護ステーション﨑"
    assert (first["課題ＮＯ"], first["援助目標ＮＯ"], first["援助内容ＮＯ"], first["保険対象区分"]) == (
        "1",
        "1",
        "1",
        "Y",
    )
    assert (second["課題"], second["援助内容ＮＯ"], second["保険対象区分"]) == (
        "",
        "2",
        "",
    )  # blank: carried forward by the importer
    assert second["頻度"] == "毎日" and second["更新業者コード"] == "1370100016"


def test_writing_quotes_free_text_only_and_reads_back_the_same():
    records, _issues = read(UP2KYO, UP2KYO_FILE, file_name="x.CSV")
    written = write(UP2KYO, records)
    again, issues = read(UP2KYO, written, file_name="x.CSV")
    assert issues == [] and [dict(r, _line="") for r in again] == [dict(r, _line="") for r in records]
    assert written == write(UP2KYO, again)  # byte for byte
    line = written.decode("cp932").split("\r\n")[0]
    assert line.startswith('202407,131011,0000000201,20261120,20261120,1,"髙橋さん')  # codes unquoted
    assert written.count(b"\r\n") == 3  # two records, and the line break inside the quoted 課題


def test_lf_line_ends_a_bom_and_a_header_row_are_read():
    text = UP2KYO_FILE.decode("cp932").replace("\r\n（", "\n（").replace(",\r\n", ",\n")
    header = ",".join(c.name for c in UP2KYO.columns) + "\n"
    records, issues = read(UP2KYO, b"\xef\xbb\xbf" + (header + text).encode("cp932"), file_name="x.CSV")
    assert issues == [] and len(records) == 2


def test_the_repeated_times_of_the_3rd_table_keep_apart():
    row = "202407,131011,0000000201,20261120,20261120,訪問介護（入浴介助）,1,1000,1100,起床,0700,0730,福祉用具貸与\r\n"
    [record], issues = read(UP3KYO, row.encode("cp932"), file_name="x.CSV")
    assert issues == []
    assert (record["開始時間"], record["終了時間"], record["開始時間#11"], record["終了時間#12"]) == (
        "1000",
        "1100",
        "0700",
        "0730",
    )
    assert write(UP3KYO, [record]).decode("cp932") == row.replace(
        "訪問介護（入浴介助）", '"訪問介護（入浴介助）"'
    ).replace("起床", '"起床"').replace("福祉用具貸与", '"福祉用具貸与"')


def _seventh_row(line: int, units: str = "250") -> str:
    cells = [
        "202407",
        "131011",
        "0000000201",
        "20261125",
        "202612",
        '"訪問介護ステーション九段"',
        "1370100024",
        "",
        f"11{line:04d}",
        "",
        "",
        "",
        units,
        "",
        "",
        "8",
        "",
        "2000",
        "",
        "",
        "",
        "",
        "11.40",
        "",
        "90",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "0",
        "",
        "",
        "1370100016",
        "",
    ]
    assert len(cells) == 37
    return ",".join(cells) + "\r\n"


def test_one_bad_cell_on_line_40_of_the_7th_table_is_named_by_file_line_and_column():
    rows = [_seventh_row(n) for n in range(1, 40)] + [_seventh_row(40, units="2百")] + [_seventh_row(41)]
    name = "UPSIKYU_202612_1370100016_43_1370100024_11_20261125090000.CSV"
    records, issues = read(UPSIKYU, "".join(rows).encode("cp932"), file_name=name)
    assert len(records) == 41
    [issue] = issues
    assert (issue.line, issue.field, issue.code) == (40, "13:単位数", "careplan_csv.digits")
    assert issue.message == f"{name} 40行目 13列目（単位数）: 単位数は半角数字で入力してください。"


def test_a_file_of_two_versions_and_a_character_outside_ms932_are_refused():
    mixed = UP2KYO_FILE.replace(
        b"202407,131011,0000000201,20261120,20261120,1,,", b"202208,131011,0000000201,20261120,20261120,1,,"
    )
    _records, issues = read(UP2KYO, mixed, file_name="x.CSV")
    assert [i.code for i in issues] == ["careplan_csv.versions"]
    _records, issues = read(UP2KYO, b"202407,\x82", file_name="x.CSV")  # a lead byte with no trail
    assert [i.code for i in issues] == ["careplan_csv.encoding"]
    _records, issues = read(UP2KYO, "202407,𠮷".encode(), file_name="x.CSV")  # UTF-8: lands in 外字
    assert [i.code for i in issues] == ["careplan_csv.gaiji"]
    with pytest.raises(UnicodeEncodeError):
        write(UP2KYO, [{"課題": "𠮷野家"}])


@pytest.mark.parametrize(
    ("name", "expected"),
    [("UPPLAN_201912_0300000100_43_0300000005_11_20191025200201.CSV",
      FileName("UPPLAN", "201912", "0300000100", "43", "0300000005", "11", "20191025200201")),
     ("UP1KYO_0300000100_43_0300000005_11_20191025200201.CSV",
      FileName("UP1KYO", None, "0300000100", "43", "0300000005", "11", "20191025200201")),
     ("UPHOSOKU_000000_0300000100_43_0300000005_11_20191025200201.CSV",
      FileName("UPHOSOKU", "000000", "0300000100", "43", "0300000005", "11", "20191025200201")),
     # 3.x names, without service types (read, never written)
     ("UPJSK_201912_0300000005_0300000100_20191025200201.CSV",
      FileName("UPJSK", "201912", "0300000005", "", "0300000100", "", "20191025200201")),
     ("UP1KYO_0300000100_43_0300000005_20191025200201.CSV", None),  # one type only
     ("UP1KYO_201912_0300000100_43_0300000005_11_20191025200201.CSV", None),  # 1表 has no month
     ("UPPLAN_0300000100_43_0300000005_11_20191025200201.CSV", None)],  # 6表 needs one
)  # fmt: skip
def test_file_names_of_4_1_and_3_x(name, expected):
    assert parse_name(name, LAYOUTS) == expected
    if expected is not None and expected.sender_type:
        assert str(expected) == name


def test_every_file_has_the_annexs_number_of_columns_with_the_version_first():
    # 別紙「CSVファイルレイアウト定義書」4.1 (shared/careplan-standard.md §2): the column counts per file.
    counts = {
        "UPHOSOKU": 63,
        "UP1KYO": 28,
        "DLT1KYO": 4,
        "UP2KYO": 22,
        "UP3KYO": 13,
        "UPPLAN": 25,
        "DLTPLAN": 4,
        "UPJSK": 25,
        "DLTJSK": 6,
        "UPSIKYU": 37,
    }
    assert {prefix: len(layout.columns) for prefix, layout in LAYOUTS.items()} == counts
    for layout in LAYOUTS.values():
        first_three = [(c.name, c.required) for c in layout.columns[:3]]
        assert first_three == [("CSVバージョン", True), ("保険者番号", True), ("被保険者番号", True)]
