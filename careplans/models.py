"""居宅サービス計画 (第1〜3表), its exchange between offices, and LIFE assessments.

A plan belongs to a series (the person's plan by one office); every change of a delivered plan is a new
version in the series. States: 原案 → 同意・確認用登録 → 同意済み → 交付用登録 (→ 変更済み when a later
version is delivered). The object-level rules (drafts only for the author office, and for the person
while in 同意・確認用登録) live in selectors.py, on top of the policy's `careplan` category gate.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from eligibility.models import CareLevel, InsuredPerson
from kaigo_portal.accounts.models import Organisation
from kaigo_portal.validators import reject_my_number


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "原案"
    FOR_CONSENT = "for_consent", "同意・確認用登録"
    AGREED = "agreed", "同意済み（交付前）"
    DELIVERED = "delivered", "交付用登録"
    SUPERSEDED = "superseded", "交付済み（変更前の版）"
    WITHDRAWN = "withdrawn", "削除（取り下げ）"


# States in which a plan counts as delivered (visible to every office the policy admits, and the person).
DELIVERED_STATES = (PlanStatus.DELIVERED, PlanStatus.SUPERSEDED)


class PlanKind(models.TextChoices):
    """第1表: 初回・紹介・継続."""

    FIRST = "1", "初回"
    REFERRAL = "2", "紹介"
    CONTINUING = "3", "継続"
    FIRST_REFERRAL = "4", "初回・紹介"
    FIRST_CONTINUING = "5", "初回・継続"
    REFERRAL_CONTINUING = "6", "紹介・継続"
    ALL = "7", "初回・紹介・継続"


class CertificationStatus(models.TextChoices):
    """第1表: 認定済・申請中 (derived from the platform's certification data)."""

    CERTIFIED = "1", "認定済"
    APPLYING = "2", "申請中"


class AgreementMethod(models.TextChoices):
    PORTAL = "portal", "本人がポータルで同意"
    PAPER = "paper", "書面で同意（ケアマネジャーが記録）"


class CarePlan(models.Model):
    """居宅サービス計画 — one version of a person's care plan (第1表 here; 第2表 and 第3表 in rows)."""

    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="care_plans")
    author_office = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="authored_care_plans",
        verbose_name="居宅介護支援事業所",
    )
    series = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The first version of the series (itself for version 1).",
    )
    version = models.PositiveIntegerField("版", default=1)
    status = models.CharField("状態", max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    # 第1表
    created_on = models.DateField("作成年月日")
    plan_kind = models.CharField("初回・紹介・継続", max_length=1, choices=PlanKind.choices)
    certification_status = models.CharField(
        "認定済・申請中", max_length=1, choices=CertificationStatus.choices
    )
    care_level = models.CharField("要介護状態区分", max_length=2, choices=CareLevel.choices, blank=True)
    certified_on = models.DateField("認定日", null=True, blank=True)
    valid_from = models.DateField("認定の有効期間（開始）", null=True, blank=True)
    valid_to = models.DateField("認定の有効期間（終了）", null=True, blank=True)
    care_manager_name = models.CharField("居宅サービス計画作成者氏名", max_length=100)
    intentions = models.TextField(
        "利用者及び家族の生活に対する意向", blank=True, validators=[reject_my_number]
    )
    panel_opinion = models.TextField(
        "介護認定審査会の意見及びサービスの種類の指定", blank=True, validators=[reject_my_number]
    )
    policy = models.TextField("総合的な援助の方針", blank=True, validators=[reject_my_number])
    living_support_reason = models.CharField(
        "生活援助中心型の算定理由", max_length=200, blank=True, validators=[reject_my_number]
    )
    # 第3表
    non_weekly_services = models.TextField("週単位以外のサービス", blank=True, validators=[reject_my_number])
    # Agreement and delivery
    agreed_on = models.DateField("同意日", null=True, blank=True)
    agreement_method = models.CharField(
        "同意の方法", max_length=10, choices=AgreementMethod.choices, blank=True
    )
    agreed_by_name = models.CharField("同意した人", max_length=100, blank=True)
    delivered_at = models.DateTimeField("交付用登録日時", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "居宅サービス計画"
        verbose_name_plural = "居宅サービス計画"
        ordering = ["-created_on", "-version", "-id"]
        indexes = [
            models.Index(fields=["person", "status"], name="careplan_person_status"),
            models.Index(fields=["author_office", "status"], name="careplan_office_status"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["series", "version"], name="careplan_one_version"),
            # One version of a series is being worked on at a time (原案 … 同意済み).
            models.UniqueConstraint(
                fields=["series"],
                condition=Q(status__in=["draft", "for_consent", "agreed"]),
                name="careplan_one_open_version",
            ),
        ]

    def __str__(self) -> str:
        return f"居宅サービス計画 第{self.version}版 {self.created_on} ({self.person})"

    @property
    def is_delivered(self) -> bool:
        return self.status in DELIVERED_STATES


class PlanServiceRow(models.Model):
    """第2表 — one line: a need (課題) with its goals and one 援助内容 (the CSV standard's row)."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="service_rows")
    position = models.PositiveIntegerField("行番号")
    need_no = models.PositiveIntegerField("課題NO")
    need = models.TextField("生活全般の解決すべき課題（ニーズ）", validators=[reject_my_number])
    goal_no = models.PositiveIntegerField("援助目標NO")
    long_goal = models.TextField("長期目標", blank=True, validators=[reject_my_number])
    long_period = models.CharField("長期目標の期間", max_length=60, blank=True)
    short_goal = models.TextField("短期目標", blank=True, validators=[reject_my_number])
    short_period = models.CharField("短期目標の期間", max_length=60, blank=True)
    service_no = models.PositiveIntegerField("援助内容NO")
    service_content = models.TextField("サービス内容", blank=True, validators=[reject_my_number])
    insured = models.BooleanField("保険給付対象", default=True)
    service_kind = models.CharField("サービス種別", max_length=60, blank=True)
    office = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="サービス事業所",
    )
    office_number = models.CharField("サービス事業者コード", max_length=10, blank=True)
    office_name = models.CharField("サービス事業所名", max_length=200, blank=True)
    frequency = models.CharField("頻度", max_length=60, blank=True)
    period = models.CharField("期間", max_length=60, blank=True)

    class Meta:
        verbose_name = "居宅サービス計画書（2）の行"
        verbose_name_plural = "居宅サービス計画書（2）の行"
        ordering = ["plan_id", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "position"], name="careplan_row_position")]

    def __str__(self) -> str:
        return f"{self.need_no}-{self.goal_no}-{self.service_no} {self.service_content}"


class Weekday(models.IntegerChoices):
    MON = 0, "月"
    TUE = 1, "火"
    WED = 2, "水"
    THU = 3, "木"
    FRI = 4, "金"
    SAT = 5, "土"
    SUN = 6, "日"


class WeeklyEntry(models.Model):
    """第3表 週間サービス計画表 — one service on one weekday, from a time to a time."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="weekly_entries")
    weekday = models.PositiveSmallIntegerField("曜日", choices=Weekday.choices)
    starts_at = models.TimeField("開始")
    ends_at = models.TimeField("終了")
    content = models.CharField("サービス内容", max_length=100, validators=[reject_my_number])

    class Meta:
        verbose_name = "週間サービス計画"
        verbose_name_plural = "週間サービス計画"
        ordering = ["plan_id", "weekday", "starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="weekly_entry_order"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}-{self.ends_at:%H:%M} {self.content}"


class DailyActivity(models.Model):
    """第3表 主な日常生活上の活動 — one activity of the person's day, from a time to a time."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="daily_activities")
    position = models.PositiveIntegerField("行番号")
    starts_at = models.TimeField("開始", null=True, blank=True)
    ends_at = models.TimeField("終了", null=True, blank=True)
    content = models.CharField("主な日常生活上の活動", max_length=100, validators=[reject_my_number])

    class Meta:
        verbose_name = "主な日常生活上の活動"
        verbose_name_plural = "主な日常生活上の活動"
        ordering = ["plan_id", "position"]

    def __str__(self) -> str:
        return self.content


class PlanEventKind(models.TextChoices):
    CREATED = "created", "原案を作成"
    UPDATED = "updated", "原案を変更"
    IMPORTED = "imported", "CSVから取込"
    AGREEMENT_REQUESTED = "agreement_requested", "同意・確認用登録"
    AGREEMENT_WITHDRAWN = "agreement_withdrawn", "同意依頼を取り下げ"
    AGREED = "agreed", "本人が同意"
    PAPER_AGREEMENT = "paper_agreement", "書面による同意を記録"
    DELIVERED = "delivered", "交付用登録"
    SUPERSEDED = "superseded", "新しい版を交付"
    SENT = "sent", "事業所へ送付"
    RECEIVED = "received", "連携ファイルで受信"
    WITHDRAWN = "withdrawn", "連携ファイルで削除"


class PlanEvent(models.Model):
    """ケアプランの履歴 — one change of state, by whom (the audit trail of a plan)."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField("内容", max_length=24, choices=PlanEventKind.choices)
    at = models.DateTimeField("日時", default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_name = models.CharField("実施者", max_length=200, blank=True)
    note = models.CharField("備考", max_length=200, blank=True, validators=[reject_my_number])

    class Meta:
        verbose_name = "ケアプランの履歴"
        verbose_name_plural = "ケアプランの履歴"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class Delivery(models.Model):
    """ケアプランの送付 — a delivered plan sent to one office (one destination per send)."""

    plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="deliveries")
    office = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="received_care_plans",
        verbose_name="送付先事業所",
    )
    sent_at = models.DateTimeField("送付日時", default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_by_name = models.CharField("送付者", max_length=200, blank=True)
    opened_at = models.DateTimeField("初回閲覧日時", null=True, blank=True)

    class Meta:
        verbose_name = "ケアプランの送付"
        verbose_name_plural = "ケアプランの送付"
        ordering = ["-sent_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["plan", "office"], name="careplan_send_once")]
        indexes = [models.Index(fields=["office", "sent_at"], name="careplan_inbox")]

    def __str__(self) -> str:
        return f"{self.plan} → {self.office}"


class Notice(models.Model):
    """One notice sent to one address; the unique key makes every send safe to run twice."""

    kind = models.CharField("種類", max_length=24)
    key = models.CharField("対象", max_length=60)
    email = models.EmailField("宛先")
    sent_at = models.DateTimeField("送信日時", default=timezone.now)

    class Meta:
        verbose_name = "送信した通知"
        verbose_name_plural = "送信した通知"
        constraints = [models.UniqueConstraint(fields=["kind", "key", "email"], name="careplan_notice_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} → {self.email}"


class NutritionRisk(models.TextChoices):
    LOW = "low", "低"
    MEDIUM = "medium", "中"
    HIGH = "high", "高"


class LifeAssessment(models.Model):
    """LIFE 評価 — one office's monthly assessment of a person (Barthel Index, DBD13, Vitality Index,
    nutrition). One row per person, office and month; a resubmission for the month replaces it."""

    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="life_assessments")
    office = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="life_assessments")
    month = models.DateField("評価月")  # the 1st of the month
    barthel = models.JSONField("Barthel Index", null=True, blank=True)
    barthel_total = models.PositiveSmallIntegerField("Barthel Index 合計", null=True, blank=True)
    dbd13 = models.JSONField("DBD13", null=True, blank=True)
    dbd13_total = models.PositiveSmallIntegerField("DBD13 合計", null=True, blank=True)
    vitality = models.JSONField("Vitality Index", null=True, blank=True)
    vitality_total = models.PositiveSmallIntegerField("Vitality Index 合計", null=True, blank=True)
    height_cm = models.DecimalField("身長（cm）", max_digits=4, decimal_places=1, null=True, blank=True)
    weight_kg = models.DecimalField("体重（kg）", max_digits=4, decimal_places=1, null=True, blank=True)
    bmi = models.DecimalField("BMI", max_digits=4, decimal_places=1, null=True, blank=True)
    nutrition_risk = models.CharField("低栄養リスク", max_length=6, choices=NutritionRisk.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_by_name = models.CharField("記録者", max_length=200, blank=True)
    recorded_at = models.DateTimeField("記録日時", default=timezone.now)

    class Meta:
        verbose_name = "LIFE 評価"
        verbose_name_plural = "LIFE 評価"
        ordering = ["month", "id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "office", "month"], name="life_one_per_month"),
        ]
        indexes = [models.Index(fields=["office", "month"], name="life_office_month")]

    def __str__(self) -> str:
        return f"LIFE {self.month:%Y-%m} {self.person} ({self.office})"


# --- 第6表・第7表 (サービス利用票・別表) and the exchange of the standard's files ------------------------


class ServiceCode(models.Model):
    """The portal's own table of service codes (介護給付費単位数等サービスコード表), as loaded by the
    operator. Units on a file come from the file; a code this table lacks is flagged, never dropped."""

    code = models.CharField("サービスコード", max_length=6, unique=True)
    name = models.CharField("サービス名称", max_length=100)
    units = models.PositiveIntegerField("単位数")
    in_limit = models.BooleanField("区分支給限度の対象", default=True)

    class Meta:
        verbose_name = "サービスコード"
        verbose_name_plural = "サービスコード"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ServiceMonth(models.Model):
    """サービス利用票（第6表）and 別表（第7表）of one person and month, by the 居宅介護支援事業所 that plans
    it. Its 予定 and the providers' 実績 are ServiceLines; 第7表 is Table7Rows (a snapshot, as on paper)."""

    person = models.ForeignKey(InsuredPerson, on_delete=models.PROTECT, related_name="service_months")
    author_office = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="service_months",
        verbose_name="居宅介護支援事業所",
    )
    month = models.DateField("対象年月")  # the 1st of the month
    created_on = models.DateField("作成年月日")
    care_manager_name = models.CharField("プラン担当者名", max_length=100)
    care_level = models.CharField("要介護状態区分", max_length=2, choices=CareLevel.choices, blank=True)
    limit_units = models.PositiveIntegerField("区分支給限度基準額（単位）", null=True, blank=True)
    limit_from = models.DateField("限度額適用開始年月日", null=True, blank=True)
    limit_to = models.DateField("限度額適用終了年月日", null=True, blank=True)
    short_stay_days_before = models.PositiveIntegerField("前月までの短期入所利用日数", null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "サービス利用票"
        verbose_name_plural = "サービス利用票"
        ordering = ["-month", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "author_office", "month"], name="service_month_once"),
        ]

    def __str__(self) -> str:
        return f"サービス利用票 {self.month:%Y-%m} ({self.person})"


class LineKind(models.TextChoices):
    PLAN = "plan", "予定"
    ACTUAL = "actual", "実績"


NO_TIME = "9999"  # サービス開始・終了時刻 of a line that shows no time (標準仕様 4.1, 第6表)


class ServiceLine(models.Model):
    """第6表の1行: one service code on one day, 予定 (the care manager's) or 実績 (the provider's)."""

    month = models.ForeignKey(ServiceMonth, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField("予定・実績", max_length=6, choices=LineKind.choices)
    position = models.PositiveIntegerField("行番号")
    reported_on = models.DateField("作成年月日", null=True, blank=True)  # 実績: the provider's
    units = models.PositiveIntegerField("単位数", null=True, blank=True)
    day = models.DateField("サービス利用日")
    pro_rata_days = models.CharField("日割対象日", max_length=31, blank=True)
    starts = models.CharField("サービス開始時刻", max_length=4)  # HHMM, 9999 where no time is shown
    ends = models.CharField("サービス終了時刻", max_length=4)
    count = models.PositiveSmallIntegerField("サービス回数", default=1)
    service_code = models.CharField("サービスコード", max_length=6)
    tais_code = models.CharField("TAISコード", max_length=12, blank=True)
    notified_code = models.CharField("福祉用具届出コード", max_length=12, blank=True)
    equipment_name = models.CharField("用具名称（機種名）", max_length=100, blank=True)
    detail_code = models.CharField("明細判別コード", max_length=2, blank=True)
    office = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="サービス事業所",
    )
    office_number = models.CharField("サービス事業者コード", max_length=10)
    office_name = models.CharField("サービス事業所名", max_length=200, blank=True)
    satellite = models.CharField("サテライト枝番", max_length=2, blank=True)
    over_30_days = models.BooleanField("30日超", default=False)
    updater_code = models.CharField("更新業者コード", max_length=10, blank=True)

    class Meta:
        verbose_name = "サービス利用票の行"
        verbose_name_plural = "サービス利用票の行"
        ordering = ["month_id", "kind", "position"]
        constraints = [
            models.UniqueConstraint(fields=["month", "kind", "position"], name="service_line_position"),
        ]
        indexes = [models.Index(fields=["office_number", "month"], name="service_line_office")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.day} {self.service_code} ×{self.count}"

    @property
    def has_time(self) -> bool:
        """第6表 shows a time band unless the file's time is NO_TIME (9999: 時間を表示しない)."""
        return self.starts != NO_TIME

    @property
    def service_type(self) -> str:
        return self.service_code[:2]


class Table7Row(models.Model):
    """第7表の1行: a service's units for the month, a type's subtotal (type + AAAA/EEEE/ZZZZ) or the
    全合計 (999999), with the units within and over the 区分支給限度基準額."""

    month = models.ForeignKey(ServiceMonth, on_delete=models.CASCADE, related_name="table7")
    position = models.PositiveIntegerField("行番号")
    created_on = models.DateField("作成年月日")
    office_name = models.CharField("サービス事業所名", max_length=200, blank=True)
    office_number = models.CharField("サービス事業所コード", max_length=10)
    satellite = models.CharField("サテライト枝番", max_length=2, blank=True)
    service_code = models.CharField("サービスコード", max_length=6)
    tais_code = models.CharField("TAISコード", max_length=12, blank=True)
    notified_code = models.CharField("福祉用具届出コード", max_length=12, blank=True)
    equipment_name = models.CharField("用具名称（機種名）", max_length=100, blank=True)
    units = models.PositiveIntegerField("単位数")
    discount_rate = models.PositiveIntegerField("割引後率", null=True, blank=True)
    discounted_units = models.PositiveIntegerField("割引後単位数", null=True, blank=True)
    count = models.PositiveIntegerField("回数／日数")
    unit_amount = models.PositiveIntegerField("サービス単位金額", null=True, blank=True)
    managed_units = models.PositiveIntegerField("給付管理単位数", null=True, blank=True)
    type_over = models.PositiveIntegerField("種類支給限度基準超単位数", null=True, blank=True)
    type_within = models.PositiveIntegerField("種類支給限度基準内単位数", null=True, blank=True)
    limit_over = models.PositiveIntegerField("区分支給限度基準超単位数", null=True, blank=True)
    limit_within = models.PositiveIntegerField("区分支給限度基準内単位数", null=True, blank=True)
    unit_price = models.CharField("単位数単価", max_length=6, blank=True)
    total_cost = models.PositiveIntegerField("費用総額", null=True, blank=True)
    benefit_rate = models.PositiveIntegerField("給付率", null=True, blank=True)
    claim = models.PositiveIntegerField("保険／事業費請求額", null=True, blank=True)
    fixed_burden = models.PositiveIntegerField("定額利用者負担単価金額", null=True, blank=True)
    burden = models.PositiveIntegerField("利用者負担（保険／事業対象分）", null=True, blank=True)
    full_burden = models.PositiveIntegerField("利用者負担（全額負担分）", null=True, blank=True)
    days_before = models.PositiveIntegerField("前月までの利用日数", null=True, blank=True)
    days_planned = models.PositiveIntegerField("当月の計画利用日数", null=True, blank=True)
    days_total = models.PositiveIntegerField("累積利用日数", null=True, blank=True)
    over_30_days = models.BooleanField("30日超", default=False)
    site_code = models.CharField("事業所コード", max_length=10, blank=True)
    entered_by_code = models.CharField("入力者コード", max_length=10, blank=True)
    updater_code = models.CharField("更新業者コード", max_length=10, blank=True)

    class Meta:
        verbose_name = "サービス利用票別表の行"
        verbose_name_plural = "サービス利用票別表の行"
        ordering = ["month_id", "position"]
        constraints = [models.UniqueConstraint(fields=["month", "position"], name="table7_row_position")]

    def __str__(self) -> str:
        return f"第7表 {self.office_number} {self.service_code}"

    @property
    def is_total(self) -> bool:
        return self.service_code == "999999"

    @property
    def is_subtotal(self) -> bool:
        return self.service_code[2:] in ("AAAA", "EEEE", "ZZZZ")


class UnitKind(models.TextChoices):
    """The send units of the standard (careplan-standard.md §1.4)."""

    PLANS = "plans", "第1〜3表"
    MONTH = "month", "第6表・第7表（予定）"
    PLAN_DELETE = "plan_delete", "第1表の削除"
    MONTH_DELETE = "month_delete", "第6表（予定）の削除"
    ACTUALS = "actuals", "第6表（実績）"
    ACTUAL_DELETE = "actual_delete", "第6表（実績）の削除"


class ExchangeUnit(models.Model):
    """One send unit of the standard's files (the files that share one 14-digit timestamp), as exported
    or imported. Its digest makes an import safe to repeat: the same files twice change nothing."""

    direction = models.CharField("方向", max_length=3, choices=[("out", "出力"), ("in", "取込")])
    kind = models.CharField("送信単位", max_length=16, choices=UnitKind.choices)
    office = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name="出力・取込した事業所"
    )
    sender_number = models.CharField("送信元事業所番号", max_length=10)
    sender_type = models.CharField("送信元サービス種類コード", max_length=2, blank=True)
    receiver_number = models.CharField("送信先事業所番号", max_length=10)
    receiver_type = models.CharField("送信先サービス種類コード", max_length=2, blank=True)
    month = models.DateField("対象年月", null=True, blank=True)
    stamp = models.CharField("ファイル連番", max_length=14)
    digest = models.CharField("内容のハッシュ", max_length=64)
    files = models.JSONField("ファイル名", default=list)
    persons = models.PositiveIntegerField("利用者数", default=0)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_name = models.CharField("実施者", max_length=200, blank=True)
    at = models.DateTimeField("日時", default=timezone.now)

    class Meta:
        verbose_name = "ケアプラン連携の送信単位"
        verbose_name_plural = "ケアプラン連携の送信単位"
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "direction", "digest"],
                condition=Q(direction="in"),
                name="exchange_import_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.stamp} {self.sender_number}→{self.receiver_number}"
