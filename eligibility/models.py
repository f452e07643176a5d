"""被保険者 and what the municipality holds on them: 被保険者証, 負担割合, 負担限度額, 給付制限, 住宅改修.

Every record is stored as **effective-dated versions**: an import row never updates or deletes a row, it
adds a version with its 異動日 (effective date). What was true on a date D is, for each record's key,
the version with the latest effective date on or before D, unless that version is a deletion; for
records with a period (認定有効期間, 負担割合の適用期間, …), the period must also cover D. The history is
every version. See `selectors.as_of` and docs/import-format.md.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from kaigo_portal.accounts.models import Organisation
from kaigo_portal.validators import reject_my_number


class CareLevel(models.TextChoices):
    """要介護状態区分. The codes are those of the 受給者異動連絡票 / 介護給付費請求 [I]."""

    NOT_APPLICABLE = "01", "非該当"
    JIGYOTAISHO = "06", "事業対象者"
    SHIEN1 = "12", "要支援1"
    SHIEN2 = "13", "要支援2"
    KAIGO1 = "21", "要介護1"
    KAIGO2 = "22", "要介護2"
    KAIGO3 = "23", "要介護3"
    KAIGO4 = "24", "要介護4"
    KAIGO5 = "25", "要介護5"


# 住宅改修 reset: a rise of 3 or more stages resets the ¥200,000 once (domain.md §2.2).
HOUSING_STAGE = {
    CareLevel.SHIEN1: 1, CareLevel.SHIEN2: 2, CareLevel.KAIGO1: 2, CareLevel.KAIGO2: 3,
    CareLevel.KAIGO3: 4, CareLevel.KAIGO4: 5, CareLevel.KAIGO5: 6,
}  # fmt: skip


class Sex(models.TextChoices):
    MALE = "1", "男"
    FEMALE = "2", "女"


class InsuredCategory(models.TextChoices):
    FIRST = "1", "第1号被保険者"
    SECOND = "2", "第2号被保険者"


class AcquisitionReason(models.TextChoices):
    """資格取得事由 (the portal's codes [I]: the national format is not published; docs/moves.md)."""

    AGE = "01", "65歳到達"
    MOVED_IN = "02", "転入"
    LEFT_EXEMPT_FACILITY = "03", "適用除外施設の退所"
    MEDICAL_INSURANCE = "04", "医療保険加入（第2号）"
    FROM_ABROAD = "05", "国外からの転入"
    OTHER = "09", "その他"


class LossReason(models.TextChoices):
    """資格喪失事由 and how 介護保険法 §11 dates the loss from the event (docs/moves.md)."""

    MOVED_SAME_DAY = "11", "転出（同日に他市町村に転入）"
    MOVED_OUT = "12", "転出（その他）"
    DEATH = "21", "死亡"
    EMIGRATION = "22", "国外転出"
    EXEMPT_FACILITY = "23", "適用除外施設への入所"
    MEDICAL_INSURANCE = "31", "医療保険の資格喪失（第2号）"
    OTHER = "99", "その他"


# §11: the qualification ends on the event's day (a move with the same day's 転入 elsewhere; a 第2号 person
# leaving medical insurance) or on the next day (death, emigration, an 適用除外施設, any other move).
LOSS_ON_THE_DAY = frozenset({LossReason.MOVED_SAME_DAY, LossReason.MEDICAL_INSURANCE})
LOSS_THE_NEXT_DAY = frozenset(
    {LossReason.MOVED_OUT, LossReason.DEATH, LossReason.EMIGRATION, LossReason.EXEMPT_FACILITY}
)


class SpecialResidence(models.TextChoices):
    """住所地特例 (介護保険法 §13): a resident of a covered facility in another municipality who stays insured by
    the municipality where they lived before."""

    APPLIES = "1", "住所地特例対象者"


class BurdenRatio(models.IntegerChoices):
    ONE = 1, "1割"
    TWO = 2, "2割"
    THREE = 3, "3割"


class CostLimitStage(models.TextChoices):
    """利用者負担段階 of the 負担限度額認定証 (補足給付)."""

    STAGE1 = "1", "第1段階"
    STAGE2 = "2", "第2段階"
    STAGE3_1 = "31", "第3段階①"
    STAGE3_2 = "32", "第3段階②"


class RestrictionKind(models.TextChoices):
    """給付制限 for premium arrears (介護保険法 §66–69)."""

    REIMBURSEMENT = "1", "支払方法変更（償還払い）"
    SUSPENSION = "2", "保険給付の一時差止"
    REDUCTION = "3", "給付額減額"


class LedgerKind(models.TextChoices):
    HOUSING = "housing", "住宅改修"
    EQUIPMENT = "equipment", "福祉用具購入"


class BenefitLimit(models.Model):
    """区分支給限度基準額 — monthly cap in 単位 per care level, as dated master data."""

    care_level = models.CharField("要介護状態区分", max_length=2, choices=CareLevel.choices)
    effective_from = models.DateField("適用開始日")
    effective_to = models.DateField("適用終了日", null=True, blank=True)
    units = models.PositiveIntegerField("単位数（月）")

    class Meta:
        verbose_name = "区分支給限度基準額"
        verbose_name_plural = "区分支給限度基準額"
        constraints = [
            models.UniqueConstraint(fields=["care_level", "effective_from"], name="one_limit_per_start")
        ]

    def __str__(self) -> str:
        return f"{self.get_care_level_display()} {self.units}単位 ({self.effective_from}〜)"


class InsuredPerson(models.Model):
    """被保険者 — one insured person of one insurer. Attributes live in PersonVersion; the current
    name and birth date are copied here for indexed search."""

    # No index of its own: the unique index (insurer, insured_number) serves every lookup by insurer.
    insurer = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="insured_persons", db_index=False
    )
    insured_number = models.CharField("被保険者番号", max_length=10)
    name_kana = models.CharField("氏名（カナ）", max_length=100, blank=True)
    name = models.CharField("氏名", max_length=100, blank=True)
    birth_date = models.DateField("生年月日", null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "被保険者"
        verbose_name_plural = "被保険者"
        # One index for the number, unique and with varchar_pattern_ops: it serves equality and the prefix
        # search (LIKE 'x%' uses an index on PostgreSQL only with that opclass; SQLite ignores opclasses).
        # Each index is paid on every person an import adds.
        constraints = [
            models.UniqueConstraint(
                fields=["insurer", "insured_number"],
                name="one_person_per_number",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            )
        ]
        indexes = [
            models.Index(
                fields=["insurer", "name_kana"],
                name="person_kana",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            # The kanji search: the prefix, and (PostgreSQL) what a page of it is sorted by, so that the
            # page's ids come from the index alone, in フリガナ order, however many persons match.
            models.Index(
                fields=["insurer", "name"],
                name="person_name",
                opclasses=["int8_ops", "varchar_pattern_ops"],
                include=["name_kana", "insured_number", "id"],
            ),
            models.Index(fields=["insurer", "birth_date"], name="person_birth"),
        ]

    def __str__(self) -> str:
        return f"{self.insurer.insurer_number}-{self.insured_number}"


class Version(models.Model):
    """What every effective-dated version carries."""

    # No index here: each concrete version declares its own `person` with a key index that starts with it
    # (eligibility's versions leave the field itself unindexed, so that an import, which writes every row
    # into every index, does not keep the same index twice).
    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="+", db_index=False)
    effective_date = models.DateField("異動日")
    deleted = models.BooleanField("削除", default=False)
    # Provenance: the import that wrote the row. It is always the job running the import, whose row exists
    # in that same transaction, and jobs are never deleted (PROTECT); so no index and no database-side
    # check, which would cost a lookup of the same job row for each of a million inserted rows.
    job = models.ForeignKey(
        "eligibility.ImportJob",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    line = models.PositiveIntegerField("取込行", null=True, blank=True)
    recorded_at = models.DateTimeField("記録日時", default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["effective_date", "id"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.effective_date}{'（削除）' if self.deleted else ''}"


class PersonVersion(Version):
    """被保険者証 一面: who the person is and their 資格."""

    person = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="versions", db_index=False
    )
    name = models.CharField("氏名", max_length=100)
    name_kana = models.CharField("フリガナ", max_length=100)
    birth_date = models.DateField("生年月日")
    sex = models.CharField("性別", max_length=1, choices=Sex.choices)
    postal_code = models.CharField("郵便番号", max_length=8, blank=True)
    address = models.CharField("住所", max_length=200)
    qualified_on = models.DateField("資格取得日")
    disqualified_on = models.DateField("資格喪失日", null=True, blank=True)
    category = models.CharField("被保険者区分", max_length=1, choices=InsuredCategory.choices)
    issued_on = models.DateField("交付年月日", null=True, blank=True)
    acquisition_reason = models.CharField(
        "資格取得事由", max_length=2, choices=AcquisitionReason.choices, blank=True, default="", db_default=""
    )
    previous_insurer_number = models.CharField(
        "転入前の保険者番号", max_length=6, blank=True, default="", db_default=""
    )
    previous_insured_number = models.CharField(
        "転入前の被保険者番号", max_length=10, blank=True, default="", db_default=""
    )
    loss_reason = models.CharField(
        "資格喪失事由", max_length=2, choices=LossReason.choices, blank=True, default="", db_default=""
    )
    loss_event_on = models.DateField("喪失事由の発生日", null=True, blank=True)
    special_residence = models.CharField(
        "住所地特例", max_length=1, choices=SpecialResidence.choices, blank=True, default="", db_default=""
    )
    facility_insurer_number = models.CharField(
        "施設所在保険者番号", max_length=6, blank=True, default="", db_default=""
    )
    special_residence_from = models.DateField("住所地特例の開始日", null=True, blank=True)
    special_residence_to = models.DateField("住所地特例の終了日", null=True, blank=True)

    class Meta(Version.Meta):
        verbose_name = "被保険者情報"
        verbose_name_plural = "被保険者情報"
        indexes = [models.Index(fields=["person", "effective_date"], name="personver_key")]


class CertificationVersion(Version):
    """被保険者証 二面: the certification (要介護認定) as the card shows it."""

    person = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="certifications", db_index=False
    )
    care_level = models.CharField("要介護状態区分", max_length=2, choices=CareLevel.choices)
    certified_on = models.DateField("認定年月日")
    valid_from = models.DateField("認定有効期間（開始）")
    valid_to = models.DateField("認定有効期間（終了）")
    panel_opinion = models.TextField(
        "認定審査会の意見及びサービスの種類の指定", blank=True, validators=[reject_my_number]
    )
    care_plan_office_number = models.CharField("居宅介護支援事業所番号", max_length=10, blank=True)
    care_plan_office_name = models.CharField("居宅介護支援事業者名", max_length=200, blank=True)
    care_plan_notified_on = models.DateField("届出年月日", null=True, blank=True)

    class Meta(Version.Meta):
        verbose_name = "認定情報"
        verbose_name_plural = "認定情報"
        indexes = [models.Index(fields=["person", "valid_from", "effective_date"], name="certver_key")]


class BurdenRatioVersion(Version):
    """負担割合証: 1割, 2割 or 3割, valid 8/1 to 7/31 (a replacement may start mid-year)."""

    person = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="burden_ratios", db_index=False
    )
    ratio = models.PositiveSmallIntegerField("利用者負担の割合", choices=BurdenRatio.choices)
    valid_from = models.DateField("適用開始日")
    valid_to = models.DateField("適用終了日")

    class Meta(Version.Meta):
        verbose_name = "負担割合"
        verbose_name_plural = "負担割合"
        indexes = [models.Index(fields=["person", "valid_from", "effective_date"], name="ratiover_key")]


class CostLimitVersion(Version):
    """負担限度額認定証: the 利用者負担段階 and the daily caps, valid until 7/31."""

    person = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="cost_limits", db_index=False
    )
    stage = models.CharField("利用者負担段階", max_length=2, choices=CostLimitStage.choices)
    residence_cap = models.PositiveIntegerField("居住費（滞在費）の負担限度額（円/日）")
    food_cap = models.PositiveIntegerField("食費の負担限度額（円/日）")
    valid_from = models.DateField("適用開始日")
    valid_to = models.DateField("有効期限")

    class Meta(Version.Meta):
        verbose_name = "負担限度額認定"
        verbose_name_plural = "負担限度額認定"
        indexes = [models.Index(fields=["person", "valid_from", "effective_date"], name="costver_key")]


class RestrictionVersion(Version):
    """給付制限: its kind and period (被保険者証 三面)."""

    person = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="restrictions", db_index=False
    )
    kind = models.CharField("給付制限の内容", max_length=1, choices=RestrictionKind.choices)
    valid_from = models.DateField("期間（開始）")
    valid_to = models.DateField("期間（終了）", null=True, blank=True)
    detail = models.CharField("詳細", max_length=200, blank=True)

    class Meta(Version.Meta):
        verbose_name = "給付制限"
        verbose_name_plural = "給付制限"
        indexes = [
            models.Index(fields=["person", "kind", "valid_from", "effective_date"], name="restrver_key")
        ]


class LedgerLineVersion(Version):
    """住宅改修 / 福祉用具購入 — one payment line, keyed by the municipality's own line id."""

    person = models.ForeignKey(
        InsuredPerson, on_delete=models.PROTECT, related_name="ledger_lines", db_index=False
    )
    line_id = models.CharField("明細番号", max_length=20)
    kind = models.CharField("種類", max_length=10, choices=LedgerKind.choices)
    service_date = models.DateField("施工・購入日")
    amount = models.PositiveIntegerField("費用額（円）")
    dwelling = models.CharField("住宅（住所）", max_length=200, blank=True)

    class Meta(Version.Meta):
        verbose_name = "住宅改修費等"
        verbose_name_plural = "住宅改修費等"
        indexes = [models.Index(fields=["person", "line_id", "effective_date"], name="ledgerver_key")]


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    JSONL = "jsonl", "JSON Lines"


class ImportMode(models.TextChoices):
    DRY_RUN = "dry_run", "検証のみ"
    COMMIT = "commit", "取込"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "待機中"
    RUNNING = "running", "処理中"
    SUCCEEDED = "succeeded", "完了"
    VALIDATED = "validated", "検証完了（エラーなし）"
    REJECTED = "rejected", "エラーあり（取込なし）"
    DUPLICATE = "duplicate", "取込済みのファイル"
    FAILED = "failed", "処理失敗"


class ImportJob(models.Model):
    """取込ジョブ — one uploaded file, validated and (in commit mode) applied all or nothing."""

    insurer = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="import_jobs")
    uploaded_by = models.CharField("登録者", max_length=200)
    file = models.FileField("ファイル", upload_to="imports/%Y/%m/")
    file_name = models.CharField("ファイル名", max_length=200)
    sha256 = models.CharField(max_length=64, db_index=True)
    format = models.CharField("形式", max_length=10, choices=ImportFormat.choices)
    mode = models.CharField("モード", max_length=10, choices=ImportMode.choices)
    status = models.CharField(
        "状態", max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    message = models.TextField("メッセージ", blank=True)
    rows_total = models.PositiveIntegerField("行数", default=0)
    rows_ok = models.PositiveIntegerField("正常行", default=0)
    rows_failed = models.PositiveIntegerField("エラー行", default=0)
    warnings = models.PositiveIntegerField("警告", default=0)
    errors_file = models.FileField("エラー一覧", upload_to="imports/errors/%Y/%m/", blank=True)
    created_at = models.DateTimeField("登録日時", default=timezone.now)
    started_at = models.DateTimeField("開始日時", null=True, blank=True)
    finished_at = models.DateTimeField("終了日時", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("実行回数", default=0)

    class Meta:
        verbose_name = "取込ジョブ"
        verbose_name_plural = "取込ジョブ"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"取込 #{self.pk} {self.file_name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status not in (ImportStatus.QUEUED, ImportStatus.RUNNING)
