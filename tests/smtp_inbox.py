"""A real SMTP server for tests (aiosmtpd on a free local port): an inbox that keeps what it receives,
or any handler of one's own (one that refuses at RCPT or DATA, say)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


class Inbox:
    """Keeps every message, and which connection (client address and port) brought it."""

    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.peers: list[Any] = []
        self.refused: dict[str, str] = {}  # address -> the reply to its RCPT TO (a hard bounce, say)

    def refuse(self, address: str, reply: str) -> None:
        self.refused[address] = reply

    async def handle_RCPT(  # noqa: N802 (aiosmtpd's hook name)
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.refused:
            return self.refused[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 (aiosmtpd's hook name)
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        self.peers.append(session.peer)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server(handler: object, port: int | None = None) -> Iterator[int]:
    """Runs `handler` as an SMTP server until the block ends; yields its port."""
    port = port or free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()
