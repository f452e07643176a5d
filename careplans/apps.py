from django.apps import AppConfig


class CareplansConfig(AppConfig):
    name = "careplans"
    verbose_name = "ケアプラン・LIFE"

    def ready(self) -> None:
        from kaigo_portal import demo, links
        from kaigo_portal.accounts.models import Role

        from . import demo as careplans_demo

        office = (Role.CARE_MANAGER, Role.PROVIDER_STAFF, Role.OFFICE_ADMIN)
        links.register_menu_link("ケアプラン一覧", "careplans:plan_list", office, needs_office_number=True)
        links.register_menu_link("ケアプラン受信箱", "careplans:inbox", office, needs_office_number=True)
        links.register_menu_link(
            "ケアプラン連携ファイル", "careplans:units", office, needs_office_number=True
        )
        links.register_menu_link("LIFE の入力", "careplans:life_home", office, needs_office_number=True)
        links.register_person_link("office", "careplan", "ケアプラン", "careplans:person_plans")
        links.register_person_link(
            "office", "careplan", "サービス利用票（第6表・第7表）", "careplans:person_month"
        )
        links.register_person_link("office", "life", "LIFE 評価の推移", "careplans:life_person")
        links.register_person_link("self", "careplan", "ケアプラン", "careplans:my_plans")
        links.register_person_link("self", "life", "LIFE 評価の推移", "careplans:my_life")
        demo.register("careplans", careplans_demo.seed, order=60)
