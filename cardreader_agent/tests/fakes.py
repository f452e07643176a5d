"""A scripted card connection: each transmit must match the next expected APDU exactly."""

from __future__ import annotations


class ScriptedConnection:
    def __init__(self, script: list[tuple[str, str]]):
        self.script = [
            (bytes.fromhex(c.replace(" ", "")), bytes.fromhex(r.replace(" ", ""))) for c, r in script
        ]
        self.sent: list[bytes] = []

    def transmit(self, apdu: list[int]) -> tuple[list[int], int, int]:
        command = bytes(apdu)
        self.sent.append(command)
        assert self.script, f"unexpected APDU {command.hex()}"
        expected, response = self.script.pop(0)
        assert command == expected, f"expected {expected.hex()}, got {command.hex()}"
        return list(response[:-2]), response[-2], response[-1]

    def done(self) -> bool:
        return not self.script
