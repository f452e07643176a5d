"""django-allauth adapter: no public sign-up; accounts are made by each organisation's admin."""

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        return False
