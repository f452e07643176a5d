from django.apps import AppConfig


class OfficesConfig(AppConfig):
    name = "kaigo_portal.offices"
    label = "offices"
    verbose_name = "事業所マスタ"

    def ready(self) -> None:
        from kaigo_portal import demo, links
        from kaigo_portal.accounts.models import Role

        from . import demo as offices_demo

        links.register_menu_link("事業所の検索（公表データ）", "offices:search", set(Role))
        links.register_menu_link(
            "事業所マスタ（公表データ）の取込", "offices:master", {Role.PLATFORM_OPERATOR}
        )
        demo.register("offices", offices_demo.seed, order=5)
