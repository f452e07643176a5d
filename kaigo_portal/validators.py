"""Validators shared by every app's models, forms and serializers."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from .errors import ApplicationError
from .numbers import contains_my_number

MY_NUMBER_MESSAGE = (
    "マイナンバー（個人番号）と思われる12桁の番号が含まれています。"
    "このポータルでは個人番号をお預かりできないため、番号を消してから送信してください。"
)
MY_NUMBER_CODE = "my_number.in_text"


@deconstructible(path="kaigo_portal.validators.RejectMyNumber")
class RejectMyNumber:
    """Refuses text that holds a valid 個人番号 (kaigo_portal.numbers.contains_my_number): nothing with one
    is ever stored, shown or logged."""

    def __call__(self, value) -> None:
        if isinstance(value, str) and contains_my_number(value):
            raise ValidationError(MY_NUMBER_MESSAGE, code=MY_NUMBER_CODE)

    def __eq__(self, other) -> bool:
        return isinstance(other, RejectMyNumber)

    def __hash__(self) -> int:
        return hash(MY_NUMBER_CODE)


reject_my_number = RejectMyNumber()


def strings_with_my_number(value, path: str = "") -> list[str]:
    """The paths (`a.b[2]`) of the strings inside nested JSON-like data that hold a 個人番号."""
    if isinstance(value, str):
        return [path] if contains_my_number(value) else []
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found += strings_with_my_number(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found += strings_with_my_number(item, f"{path}[{index}]")
    return found


def refuse_my_number(**texts: str) -> None:
    """For a service that takes free text: refuses (ApplicationError, with the field names) any text that
    holds a 個人番号, before anything is written. Services are the one write path, so every channel (page,
    API, import, admin) gets the same refusal."""
    found = [name for name, text in texts.items() if isinstance(text, str) and contains_my_number(text)]
    if found:
        raise ApplicationError(
            MY_NUMBER_MESSAGE, code=MY_NUMBER_CODE, fields={name: [MY_NUMBER_MESSAGE] for name in found}
        )


def clean_file_name(name: str, *, max_length: int = 200) -> str:
    """A file name from outside as it may be kept and shown: its last path part, without control or
    format characters (a CR/LF would split a Content-Disposition header; a right-to-left override makes
    `receipt‮fdp.exe` look like a PDF), cut to `max_length` characters. Never empty."""
    import unicodedata

    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    kept = "".join(
        " " if unicodedata.category(char) in {"Cc", "Zl", "Zp"} else char
        for char in base
        if unicodedata.category(char) not in {"Cf", "Cs", "Co", "Cn"}
    )
    kept = " ".join(kept.split()).strip(". ")
    return kept[:max_length] or "file"
