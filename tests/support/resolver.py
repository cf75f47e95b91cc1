"""A fake resolver for the outbound guard's tests: names answer what the test says.

Only names in the table are answered from it; everything else goes to the real resolver.
An entry may be a list of answers per call (the last one repeats): a name that answers
public first and loopback after is DNS rebinding.
"""

from __future__ import annotations

import ipaddress
import socket
from collections import Counter
from collections.abc import Callable
from typing import Any

Resolver = Callable[..., list[tuple[Any, ...]]]


class FakeResolver:
    """Callable like socket.getaddrinfo; counts the calls per name."""

    def __init__(self, table: dict[str, list[str] | list[list[str]]]) -> None:
        self.table = table
        self.calls: Counter[str] = Counter()
        self.real: Resolver = socket.getaddrinfo

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> list[tuple[Any, ...]]:
        name = host.decode() if isinstance(host, bytes) else host
        if name not in self.table:
            return self.real(host, port, *args, **kwargs)
        answers = self.table[name]
        if answers and isinstance(answers[0], list):
            index = min(self.calls[name], len(answers) - 1)
            addresses: list[str] = answers[index]  # type: ignore[assignment]
        else:
            addresses = answers  # type: ignore[assignment]
        self.calls[name] += 1
        found = []
        for address in addresses:
            if ipaddress.ip_address(address).version == 6:
                found.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "",
                              (address, int(port or 0), 0, 0)))
            else:
                found.append((socket.AF_INET, socket.SOCK_STREAM, 6, "",
                              (address, int(port or 0))))
        return found


def fake_resolver(table: dict[str, list[str] | list[list[str]]]) -> FakeResolver:
    """A FakeResolver for `table` (name → addresses, or name → answers per call)."""
    return FakeResolver(table)
