from django.apps import AppConfig


class CertificationConfig(AppConfig):
    name = "certification"
    verbose_name = "要介護認定"

    def ready(self) -> None:
        from eligibility.imports.registry import register
        from kaigo_portal import demo, labels, links

        from . import demo as certification_demo
        from .imports import CertificateSubmissionRecord, ProgressEventRecord
        from .services import CERTIFICATE_CHECK

        register(ProgressEventRecord)
        register(CertificateSubmissionRecord)
        labels.register("purpose", [(CERTIFICATE_CHECK, "受給資格証明書の照合（転入先の保険者）")])
        # The office's person page: the sections the policy shows link here (the survey from its application).
        links.register_person_link(
            "office",
            "certification_progress",
            "認定審査の進捗（申請から結果まで）",
            "certification:person_progress",
        )
        links.register_person_link(
            "office", "survey", "認定調査票（申請ごとの進捗から開きます）", "certification:person_progress"
        )
        demo.register("certification", certification_demo.seed, order=50)
