"""Demo persons, loaded through the import itself (the same validation and apply as a municipal file)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from kaigo_portal.accounts.models import Organisation

from . import services
from .imports import synthetic
from .models import InsuredPerson

DEMO = [("131011", 300, 1, "東京都千代田区"), ("082024", 50, 5001, "茨城県日立市")]


def seed() -> str:
    lines = []
    for insurer_number, count, first, city in DEMO:
        insurer = Organisation.objects.get(insurer_number=insurer_number)
        if InsuredPerson.objects.filter(insurer=insurer).exists():
            lines.append(f"{insurer.name}: already loaded")
            continue
        content = synthetic.csv_bytes(insurer_number, count, first_number=first, city=city, seed=first)
        job = services.import_job_create(
            insurer=insurer,
            upload=SimpleUploadedFile("demo.csv", content),
            file_format="csv",
            mode="commit",
            uploaded_by="seed_demo",
        )
        job = services.import_job_run(job_id=job.pk)  # a management command, not a request: run it here
        lines.append(f"{insurer.name}: {job.get_status_display()} — {job.message}")
    return "被保険者: " + "; ".join(lines)
