"""Every code the portal writes for people to read has a Japanese label (kaigo_portal.labels)."""

from __future__ import annotations

import pytest

from consent.models import ActingAs, VerificationMethod
from kaigo_portal import labels
from kaigo_portal.access import Purpose
from kaigo_portal.accounts.models import Role

PURPOSES = [value for name, value in vars(Purpose).items() if name.isupper()]


@pytest.mark.parametrize(
    ("family", "codes"),
    [
        ("purpose", PURPOSES),
        ("role", Role.values),
        ("method", [*VerificationMethod.values, *ActingAs.values, "insurer"]),
    ],
)
def test_every_code_of_a_family_has_a_japanese_label(family, codes):
    assert codes
    for code in codes:
        text = labels.label(family, code)
        assert text != labels.UNKNOWN and text != code, (family, code)
        assert not text.isascii(), (family, code, text)


def test_a_code_without_a_label_is_never_shown_as_itself():
    assert labels.label("purpose", "made_up_code") == "その他"
    assert labels.label("role", "") == ""
