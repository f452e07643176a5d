"""DRF's JSON parser, answering a body nested too deep as bad input.

Python's json module recurses once per level of nesting and gives up (RecursionError) at about a
thousand: DRF's parser catches only ValueError, so `[[[[…]]]]` 10,000 deep was a 500. Here it is the one
error shape's `parse_error` (400), like any other body that is not JSON.
"""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError

TOO_DEEP = "JSON の入れ子が深すぎます。"


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
