"""Every column of the 4.1 files for 居宅介護支援, in order, as the layout annex gives them.

Source: 別紙「CSVファイルレイアウト定義書」 v4.1 (令和6年10月), through shared/careplan-standard.md §2. Where the
extraction left the 必須 mark open (marked (?) there), the column is required here only where the sheet
calls it certain or probable; §5 of the sheet lists what is still open. Kinds:
- ``free``: free text, always quoted on export (the annex's footnote), any length;
- ``digits``: ASCII digits, at most ``length`` of them (lengths are maxima: the annex does not say fixed);
- ``date`` YYYYMMDD, ``month`` YYYYMM, ``time`` HHMM (or 9999), ``code``: a value from ``codes``;
- ``text``: unquoted text of at most ``length`` characters (office numbers with letters, TAIS codes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

CSV_VERSION = "202407"  # 4.1 (令和6年10月): the value of No.1 in every file [P][LAY41]

CARE_LEVELS = {"06": "事業対象者", "12": "要支援1", "13": "要支援2", "21": "要介護1", "22": "要介護2",
               "23": "要介護3", "24": "要介護4", "25": "要介護5"}  # fmt: skip
PLAN_KINDS = {"11": "初回", "12": "紹介", "21": "継続", "51": "初回・紹介", "52": "初回・継続", "53": "紹介・継続",
              "54": "初回・紹介・継続"}  # fmt: skip
CERTIFICATION_STATUS = {"1": "申請中", "2": "認定済"}
LIVING_SUPPORT_REASONS = {"1": "一人暮らし", "2": "家族等が障害、疾病等", "3": "その他"}
SEX = {"1": "男性", "2": "女性"}
INSURED = {"Y": "対象", "N": "対象外"}
WEEKDAYS = {"1": "月", "2": "火", "3": "水", "4": "木", "5": "金", "6": "土", "7": "日"}
OVER_30_DAYS = {"1": "該当", "0": "非該当"}


@dataclass(frozen=True)
class Column:
    no: int
    name: str
    kind: str
    length: int | None = None
    required: bool = False
    codes: dict[str, str] | None = None


@dataclass(frozen=True)
class Layout:
    """One file of the standard: its prefix, whether its name carries a month, and its columns."""

    prefix: str
    title: str
    columns: tuple[Column, ...]
    monthly: bool  # the name carries 提供年月 / 対象年月 (UPHOSOKU: 000000 with 1・2・3表)
    keys: tuple[str, ...] = field(init=False, repr=False, compare=False)  # each column's key(), in order

    def __post_init__(self) -> None:
        assert [c.no for c in self.columns] == list(range(1, len(self.columns) + 1)), self.prefix
        keys, seen = [], set()
        for column in self.columns:
            keys.append(f"{column.name}#{column.no}" if column.name in seen else column.name)
            seen.add(column.name)
        object.__setattr__(self, "keys", tuple(keys))

    def key(self, column: Column) -> str:
        """The column's key in a record: its name, or `name#no` for a name an earlier column has (3表's
        開始時間 and 終了時間 appear twice: the service's, then the daily activity's)."""
        return self.keys[column.no - 1]


def _c(no, name, kind, length=None, required=False, codes=None) -> Column:
    return Column(no, name, kind, length, required, codes)


_HEAD = (
    _c(1, "CSVバージョン", "month", 6, True),
    _c(2, "保険者番号", "digits", 6, True),
    _c(3, "被保険者番号", "text", 10, True),
)


def _limit_slots() -> tuple[Column, ...]:
    """補足 No.20-55: nine slots of 種類別支給限度 (service type, limit, total, over), filled from slot 1."""
    digits = "１２３４５６７８９"
    columns = []
    for slot in range(9):
        base = 20 + slot * 4
        n = digits[slot]
        columns += [
            _c(base, f"{n}サービス種類コード", "text", 2),
            _c(base + 1, f"{n}支給限度基準額", "digits", 7),
            _c(base + 2, f"{n}合計単位数", "digits", 7),
            _c(base + 3, f"{n}限度超単位数", "digits", 7),
        ]
    return tuple(columns)


UPHOSOKU = Layout(
    "UPHOSOKU",
    "利用者補足情報",
    (
        *_HEAD,
        _c(4, "居宅サービス計画作成（変更）日", "date", 8, True),
        _c(5, "利用者氏名フリガナ", "free", None, True),
        _c(6, "利用者氏名", "free", None, True),
        _c(7, "利用者性別", "code", 1, True, SEX),
        _c(8, "利用者生年月日", "date", 8, True),
        _c(9, "利用者郵便番号", "text", 8),
        _c(10, "利用者住所１", "free"),
        _c(11, "利用者住所２", "free"),
        _c(12, "利用者電話番号", "text", 15),
        _c(13, "認定日", "date", 8),
        _c(14, "限度額適用開始年月日", "date", 8),
        _c(15, "限度額適用終了年月日", "date", 8),
        _c(16, "認定状況区分", "code", 1, codes=CERTIFICATION_STATUS),
        _c(17, "要介護状態変更日", "date", 8),
        _c(18, "要介護状態区分", "code", 2, codes=CARE_LEVELS),
        _c(19, "区分支給限度基準額", "digits", 7),
        *_limit_slots(),
        _c(56, "合計限度超単位数", "digits", 7),
        _c(57, "入所前月迄利用日数", "digits", 5),
        _c(58, "入所累積利用日数", "digits", 5),
        _c(59, "前回要介護状態区分", "code", 2, codes=CARE_LEVELS),
        _c(60, "同意書受付業者", "text", 10),
        _c(61, "更新業者コード", "text", 10),
        _c(62, "識別子", "text", 1),
        _c(63, "対象年月", "month", 6, True),
    ),
    monthly=True,
)

UP1KYO = Layout(
    "UP1KYO",
    "居宅サービス計画書（1）",
    (
        *_HEAD,
        _c(4, "作成年月日", "date", 8, True),
        _c(5, "利用者郵便番号", "text", 8),
        _c(6, "利用者住所１", "free"),
        _c(7, "利用者住所２", "free"),
        _c(8, "居宅サービス計画作成者氏名", "free", None, True),
        _c(9, "介護支援事業者名", "free", None, True),
        _c(10, "介護支援事業者郵便番号", "text", 8),
        _c(11, "介護支援事業者住所１", "free"),
        _c(12, "介護支援事業者住所２", "free"),
        _c(13, "介護支援事業者コード", "text", 10, True),
        _c(14, "居宅サービス計画作成（変更）日", "date", 8, True),
        _c(15, "初回居宅サービス計画作成日", "date", 8, True),
        _c(16, "計画書区分", "code", 2, codes=PLAN_KINDS),
        _c(17, "認定状況区分", "code", 1, codes=CERTIFICATION_STATUS),
        _c(18, "認定日", "date", 8),
        _c(19, "認定有効期間開始日", "date", 8),
        _c(20, "認定有効期間終了日", "date", 8),
        _c(21, "要介護状態区分", "code", 2, codes=CARE_LEVELS),
        _c(22, "利用者及び家族の生活に対する意向を踏まえた課題分析の結果", "free"),
        _c(23, "介護認定審査会の意見及びサービスの種類の指定", "free"),
        _c(24, "総合的な援助の方針", "free"),
        _c(25, "生活援助中心型の算定理由", "code", 1, codes=LIVING_SUPPORT_REASONS),
        _c(26, "その他理由", "free"),
        _c(27, "更新業者コード", "text", 10),
        _c(28, "識別子", "text", 1),
    ),
    monthly=False,
)

DLT1KYO = Layout(
    "DLT1KYO",
    "居宅サービス計画書（1）削除",
    (
        *_HEAD,
        _c(4, "居宅サービス計画作成（変更）日", "date", 8, True),
    ),
    monthly=False,
)

UP2KYO = Layout(
    "UP2KYO",
    "居宅サービス計画書（2）",
    (
        *_HEAD,
        _c(4, "居宅計画書作成年月日", "date", 8, True),
        _c(5, "居宅サービス計画作成（変更）日", "date", 8, True),
        _c(6, "課題ＮＯ", "digits", 2),
        _c(7, "課題", "free"),
        _c(8, "援助目標ＮＯ", "digits", 2),
        _c(9, "長期目標", "free"),
        _c(10, "短期目標", "free"),
        _c(11, "長期期間", "free"),
        _c(12, "短期期間", "free"),
        _c(13, "援助内容ＮＯ", "digits", 2),
        _c(14, "サービス内容", "free"),
        _c(15, "保険対象区分", "code", 1, codes=INSURED),
        _c(16, "サービス種別", "free"),
        _c(17, "サービス事業者コード", "text", 10),
        _c(18, "サービス事業所名", "free"),
        _c(19, "頻度", "free"),
        _c(20, "実施期間", "free"),
        _c(21, "更新業者コード", "text", 10),
        _c(22, "識別子", "text", 1),
    ),
    monthly=False,
)

UP3KYO = Layout(
    "UP3KYO",
    "週間サービス計画表（3）",
    (
        *_HEAD,
        _c(4, "週間サービス計画表作成年月日", "date", 8, True),
        _c(5, "居宅サービス計画作成（変更）日", "date", 8, True),
        _c(6, "介護サービス内容", "free"),
        _c(7, "曜日", "code", 1, codes=WEEKDAYS),
        _c(8, "開始時間", "time", 4),
        _c(9, "終了時間", "time", 4),
        _c(10, "主な日常生活上の活動", "free"),
        _c(11, "開始時間", "time", 4),
        _c(12, "終了時間", "time", 4),
        _c(13, "週単位以外のサービス", "free"),
    ),
    monthly=False,
)

_TABLE6 = (
    *_HEAD, _c(4, "作成年月日", "date", 8, True), _c(5, "対象年月", "month", 6, True),
    _c(6, "プラン担当業者コード", "text", 10, True), _c(7, "プラン担当者名", "free", None, True),
    _c(8, "単位数", "digits", 6), _c(9, "前月までの短期入所利用日数", "digits", 5),
    _c(10, "サービス利用日", "date", 8, True), _c(11, "日割対象日", "text", 31), _c(12, "サービス開始時刻", "time", 4, True),
    _c(13, "サービス終了時刻", "time", 4, True), _c(14, "サービス回数", "digits", 2, True),
    _c(15, "サービスコード", "text", 6, True), _c(16, "TAISコード", "text", 12), _c(17, "福祉用具届出コード", "text", 12),
    _c(18, "用具名称（機種名）", "free"), _c(19, "明細判別コード", "digits", 2),  # length NOT FOUND: 2 [S]
    _c(20, "サービス事業者コード", "text", 10, True), _c(21, "サービス事業所名", "free"), _c(22, "サテライト枝番", "digits", 2),
    _c(23, "３０日超区分", "code", 1, True, OVER_30_DAYS), _c(24, "更新業者コード", "text", 10), _c(25, "識別子", "text", 1),
)  # fmt: skip
UPPLAN = Layout("UPPLAN", "サービス利用票（第6表）予定", _TABLE6, monthly=True)
UPJSK = Layout("UPJSK", "サービス利用票（第6表）実績", _TABLE6, monthly=True)

DLTPLAN = Layout(
    "DLTPLAN",
    "サービス利用票（第6表）予定削除",
    (
        *_HEAD,
        _c(4, "削除対象年月", "month", 6, True),
    ),
    monthly=True,
)
DLTJSK = Layout(
    "DLTJSK",
    "サービス利用票（第6表）実績削除",
    (
        *_HEAD,
        _c(4, "削除対象年月", "month", 6, True),
        _c(5, "サービス事業者コード", "text", 10, True),
        _c(6, "サービス種類コード", "text", 2, True),
    ),
    monthly=True,
)

UPSIKYU = Layout(
    "UPSIKYU",
    "サービス利用票別表（第7表）",
    (
        *_HEAD,
        _c(4, "作成年月日", "date", 8, True),
        _c(5, "対象年月", "month", 6, True),
        _c(6, "サービス事業所名", "free"),
        _c(7, "サービス事業所コード", "text", 10, True),
        _c(8, "サテライト枝番", "digits", 2),
        _c(9, "サービスコード", "text", 6, True),
        _c(10, "TAISコード", "text", 12),
        _c(11, "福祉用具届出コード", "text", 12),
        _c(12, "用具名称（機種名）", "free"),
        _c(13, "単位数", "digits", 6, True),
        _c(14, "割引後率", "digits", 5),
        _c(15, "割引後単位数", "digits", 6),
        _c(16, "回数／日数", "digits", 3, True),
        _c(17, "サービス単位金額", "digits", 5),
        _c(18, "給付管理単位数", "digits", 6),
        _c(19, "種類支給限度基準超単位数", "digits", 6),
        _c(20, "種類支給限度基準内単位数", "digits", 6),
        _c(21, "区分支給限度基準超単位数", "digits", 6),
        _c(22, "区分支給限度基準内単位数", "digits", 6),
        _c(23, "単位数単価", "text", 6),
        _c(24, "費用総額保険／事業対象分", "digits", 6),
        _c(25, "給付率", "digits", 6),
        _c(26, "保険／事業費請求額", "digits", 6),
        _c(27, "定額利用者負担単価金額", "digits", 6),
        _c(28, "利用者負担保険／事業対象分", "digits", 6),
        _c(29, "利用者負担（全額負担分）", "digits", 6),
        _c(
            30, "前月までの利用日数", "digits", 5
        ),  # 2 in the 4.1 extraction, 5 since 3.2's change log: the wider
        _c(31, "当月の計画利用日数", "digits", 2),
        _c(32, "累積利用日数", "digits", 5),
        _c(33, "３０日超区分", "code", 1, True, OVER_30_DAYS),
        _c(34, "事業所コード", "text", 10),
        _c(35, "入力者コード", "text", 10),
        _c(36, "更新業者コード", "text", 10),
        _c(37, "識別子", "text", 1),
    ),
    monthly=True,
)

LAYOUTS: dict[str, Layout] = {
    layout.prefix: layout
    for layout in (UPHOSOKU, UP1KYO, DLT1KYO, UP2KYO, UP3KYO, UPPLAN, DLTPLAN, UPJSK, DLTJSK, UPSIKYU)
}
