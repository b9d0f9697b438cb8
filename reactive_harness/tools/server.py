"""The agent side of the hook-tool protocol: a unix socket served by a thread.

Requests come from :mod:`reactive_harness.tools.jujuc`; each names its hook by ``JUJU_CONTEXT_ID``.
Calls are served one at a time, in the order they arrive, as the model is changed by them.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from reactive_harness.tools import jujuc
from reactive_harness.tools.base import Reply

__all__ = ["Request", "ToolServer"]


@dataclass(frozen=True)
class Request:
    """One hook-tool call as received."""

    context_id: str
    cwd: str
    stdin: bytes
    argv: list[str]


Handler = Callable[[Request], "Reply | None"]


def decode_request(body: bytes) -> Request:
    """Decode a request frame body.

    Raises:
        ValueError: The frame is not a request of this protocol.
    """
    fields = jujuc.unpack(body)
    if len(fields) < 6 or fields[0] != jujuc.MAGIC:
        raise ValueError("not a hook-tool request")
    text = [os.fsdecode(f) for f in fields]
    return Request(context_id=text[1], cwd=text[2], stdin=fields[4], argv=text[5:])


def encode_reply(reply: Reply) -> bytes:
    """Encode a reply frame."""
    return jujuc.pack([str(reply.code).encode(), reply.stdout, reply.stderr])


class ToolServer:
    """Serve hook-tool calls on an abstract unix socket until closed."""

    def __init__(self, handler: Handler) -> None:
        """Bind the socket and start serving.

        Args:
            handler: Runs one request; ``None`` means "send no reply" (the call never returns).
        """
        self._handler = handler
        self.address = f"@reactive-harness/{uuid.uuid4().hex}/agent.socket"
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.bind("\0" + self.address[1:])
        self._sock.listen(16)
        self._closed = False
        self._thread = threading.Thread(target=self._serve, name="jujuc-server", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            if self._closed:
                conn.close()
                return
            with conn:
                self._serve_one(conn)

    def _serve_one(self, conn: socket.socket) -> None:
        try:
            body = jujuc.recv_frame(conn)
            request = decode_request(body)
        except (OSError, ValueError):
            return
        try:
            reply = self._handler(request)
        except Exception as err:
            reply = Reply(code=1, stderr=f"ERROR internal emulator error: {err!r}\n".encode())
        if reply is None:
            return
        with contextlib.suppress(OSError):
            conn.sendall(encode_reply(reply))

    def close(self) -> None:
        """Stop serving and release the socket."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError):
            wake = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            wake.connect("\0" + self.address[1:])
            wake.close()
        self._thread.join(timeout=5)
        self._sock.close()
