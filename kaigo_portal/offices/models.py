"""The national office master: every designated office as the 介護サービス情報公表システム publishes it.

A snapshot is one published file (one service type, as of one data date), kept with its name and SHA-256.
An office is one 事業所番号; a listing is the office under one 3-digit service code, with what the file
said of it. Nothing is deleted: a listing that a newer snapshot of its service no longer lists gets
`seen_until`, the last snapshot that listed it; while it is listed, `seen_until` is empty and the service's
latest snapshot is the one it was last seen in. So a new snapshot writes only what changed, appeared or
disappeared, not every office again.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from . import service_types


class Snapshot(models.Model):
    info_code = models.CharField("サービスコード（情報公表）", max_length=3)
    data_date = models.DateField("基準日")
    data_date_inferred = models.BooleanField(
        "基準日は推定", default=False, help_text="ファイル名の作成日時から、その前の6月末または12月末とした。"
    )
    file_name = models.CharField("ファイル名", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64)
    made_at = models.DateTimeField("ファイルの作成日時", null=True, blank=True)
    rows = models.PositiveIntegerField("行数", default=0)
    imported_at = models.DateTimeField("取込日時", default=timezone.now)
    imported_by = models.CharField("取込者", max_length=254, blank=True)

    class Meta:
        verbose_name = "公表データの取込"
        verbose_name_plural = "公表データの取込"
        ordering = ["-data_date", "info_code"]
        constraints = [
            models.UniqueConstraint(fields=["info_code", "sha256"], name="one_snapshot_per_file"),
            models.UniqueConstraint(
                fields=["info_code", "data_date"], name="one_snapshot_per_service_and_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.info_code} {self.data_date} {self.file_name}"

    @property
    def service_name(self) -> str:
        service = service_types.by_info_code(self.info_code)
        return service.name if service else "対応表にないサービス"


class Office(models.Model):
    office_number = models.CharField("事業所番号", max_length=10, unique=True)
    name = models.CharField("事業所名", max_length=200)
    name_kana = models.CharField("事業所名カナ", max_length=200, blank=True)
    area_code = models.CharField("都道府県コード又は市町村コード", max_length=6, blank=True)
    prefecture_name = models.CharField("都道府県名", max_length=10, blank=True)
    city_name = models.CharField("市区町村名", max_length=50, blank=True)
    address = models.CharField("住所", max_length=300, blank=True)
    address_extra = models.CharField("方書（ビル名等）", max_length=200, blank=True)
    latitude = models.DecimalField("緯度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("経度", max_digits=9, decimal_places=6, null=True, blank=True)
    phone = models.CharField("電話番号", max_length=30, blank=True)
    fax = models.CharField("FAX番号", max_length=30, blank=True)
    corporate_number = models.CharField("法人番号", max_length=13, blank=True)  # text: 13 digits
    corporate_name = models.CharField("法人の名称", max_length=200, blank=True)
    url = models.CharField("URL", max_length=500, blank=True)
    email = models.CharField("メールアドレス（URL欄）", max_length=254, blank=True)
    added_by_hand = models.BooleanField(
        "手入力",
        default=False,
        help_text="公表データにない事業所を運営者が登録したもの。公表データでは上書きされない。",
    )
    first_seen = models.ForeignKey(
        Snapshot, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="初出"
    )
    updated_at = models.DateTimeField("更新日時", default=timezone.now)

    class Meta:
        verbose_name = "事業所（公表データ）"
        verbose_name_plural = "事業所（公表データ）"
        ordering = ["office_number"]
        indexes = [
            models.Index(fields=["area_code", "office_number"], name="office_area"),
            models.Index(fields=["name_kana"], name="office_kana"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.office_number}）"

    @property
    def is_seen(self) -> bool:
        """Listed in the latest snapshot of at least one of its services (always, for one added by hand)."""
        return self.added_by_hand or any(listing.in_latest for listing in self.listings.all())

    @property
    def last_seen_on(self):
        """The data date of the last snapshot that listed it (the latest one where it is still listed)."""
        dates = [listing.last_seen_on for listing in self.listings.all()]
        return max((d for d in dates if d), default=None)


class Listing(models.Model):
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="listings")
    info_code = models.CharField("サービスコード（情報公表）", max_length=3)
    claims_code = models.CharField("サービス種類コード", max_length=2)
    service_name = models.CharField("サービスの種類", max_length=100)
    weekdays = models.CharField("利用可能曜日", max_length=100, blank=True)
    weekdays_note = models.TextField("利用可能曜日特記事項", blank=True)
    capacity = models.PositiveIntegerField(
        "定員", null=True, blank=True, help_text="空欄は定員のないサービス（公表データの0）。"
    )
    kyoseigata = models.CharField("高齢者と障害者が同時一体的に利用できるサービス", max_length=20, blank=True)
    meets_care_standard = models.CharField(
        "介護保険の通常の指定基準を満たしている", max_length=20, blank=True
    )
    meets_disability_standard = models.CharField(
        "障害福祉の通常の指定基準を満たしている", max_length=20, blank=True
    )
    remarks = models.TextField("備考", blank=True)
    line = models.PositiveIntegerField("行", default=0)
    seen_until = models.ForeignKey(
        Snapshot,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="最終掲載",
        help_text="最新の公表データに掲載されなくなったとき、最後に掲載された取込。掲載中は空欄。",
    )

    class Meta:
        verbose_name = "提供サービス（公表データ）"
        verbose_name_plural = "提供サービス（公表データ）"
        constraints = [
            models.UniqueConstraint(fields=["office", "info_code"], name="one_listing_per_service")
        ]
        indexes = [
            models.Index(
                fields=["claims_code", "office"], name="listing_claims", condition=Q(seen_until__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.office.office_number} {self.info_code}"

    @property
    def in_latest(self) -> bool:
        return self.seen_until_id is None

    @property
    def last_seen_on(self):
        if self.seen_until_id is not None:
            return self.seen_until.data_date
        if hasattr(self, "latest_on"):  # annotated by offices.selectors
            return self.latest_on
        latest = Snapshot.objects.filter(info_code=self.info_code).order_by("-data_date").first()
        return latest.data_date if latest else None
