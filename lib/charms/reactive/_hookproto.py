"""How a hook's child asks the hook for a ``charms.reactive`` command: one line each way.

The hook listens on an abstract unix socket named by :data:`ENV_VAR` in its children's
environment (``@<name>``). A request is one JSON line ``{"argv": [...]}``; the reply is one
JSON line ``{"rc": int, "stdout": str, "stderr": str}``. One request per connection.
"""

from __future__ import annotations

import json
import socket
from typing import Any, Final

__all__ = ["ENV_VAR", "ask", "read_message", "sockaddr", "write_message"]

#: The variable naming the hook's socket in its children's environment.
ENV_VAR: Final = "CHARMS_REACTIVE_SOCKET"
_MAX: Final = 64 * 1024 * 1024


def sockaddr(name: str) -> str:
    """Return the socket address of ``@name`` (an abstract unix socket, Linux)."""
    return "\0" + name.removeprefix("@")


def write_message(conn: socket.socket, message: dict[str, Any]) -> None:
    """Send one JSON line."""
    conn.sendall(json.dumps(message).encode() + b"\n")


def read_message(conn: socket.socket) -> dict[str, Any]:
    """Read one JSON line.

    Raises:
        ValueError: The peer closed early, sent too much, or sent no JSON object.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            raise ValueError("the connection closed before a whole message arrived")
        chunks.append(chunk)
        size += len(chunk)
        if chunk.endswith(b"\n"):
            break
        if size > _MAX:
            raise ValueError("message too large")
    message = json.loads(b"".join(chunks))
    if not isinstance(message, dict):
        raise ValueError("not a JSON object")
    return message


def ask(name: str, argv: list[str], timeout: float | None = None) -> tuple[int, str, str]:
    """Run a command in the hook listening on ``name``; return exit code, stdout, stderr.

    Raises:
        OSError: The hook is not listening (any more).
        ValueError: Its reply was not a message.
    """
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        conn.connect(sockaddr(name))
        write_message(conn, {"argv": argv})
        reply = read_message(conn)
    return int(reply.get("rc", 2)), str(reply.get("stdout", "")), str(reply.get("stderr", ""))
