"""Keep a process off the network: only loopback connections and names are allowed.

``tests/test_examples.py`` puts this folder on ``PYTHONPATH`` of the examples it runs, so
Python loads it at start-up in every process they start (Ray's workers too), where the
in-process socket guard of the test session does not reach. A connection to any other
address, or a name lookup of any other host, raises ``OSError`` naming it.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

_LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex
_getaddrinfo = socket.getaddrinfo


def _loopback(host: Any) -> bool:
    if host is None or (isinstance(host, str) and host.lower() in _LOCAL_NAMES):
        return True
    name = host.decode() if isinstance(host, bytes) else str(host)
    try:
        return ipaddress.ip_address(name.split("%")[0]).is_loopback
    except ValueError:
        return False


def _check(sock: socket.socket, address: Any) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
        raise OSError(f"no network in the example tests: connection to {address!r} refused")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check(self, address)
    _connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check(self, address)
    return _connect_ex(self, address)


def _guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
    if not _loopback(host):
        raise socket.gaierror(f"no network in the example tests: lookup of {host!r} refused")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = _guarded_connect  # type: ignore[method-assign,assignment]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign,assignment]
socket.getaddrinfo = _guarded_getaddrinfo
