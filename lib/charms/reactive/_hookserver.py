"""The hook serves its children's ``charms.reactive`` commands, on its uncommitted state.

An executable handler (bash with ``charms.reactive.sh``) reads and sets flags through the
``charms.reactive`` command. Rather than committing the hook's state so that a child process
could see it (1.x did: a kill afterwards left half a hook committed), the hook runs each
command itself: :class:`HookServer` starts the child with :data:`~charms.reactive._hookproto.
ENV_VAR` naming a private abstract unix socket, and while the child runs, the hook's own
thread answers each request with :func:`charms.reactive.cli.execute`. Nothing reaches the
store before the hook succeeds, and the child's flag changes count as changes of the dispatch.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import selectors
import socket
import subprocess

from charms.reactive import _hookproto, _runtime, cli

__all__ = ["HookServer"]

_POLL: float = 0.05


class HookServer:
    """Runs a hook's children and serves their commands (a :class:`~_runtime.ChildRunner`)."""

    def __init__(self, rt: _runtime.Runtime) -> None:
        """Serve commands against ``rt``'s state."""
        self.rt = rt

    def run(self, argv: list[str], env: dict[str, str], *, capture: bool) -> tuple[int, str]:
        """Run ``argv``, answering its commands until it exits; return its code and stdout.

        Raises:
            OSError: The child could not be started.
        """
        name = f"charms.reactive-{os.getpid()}-{secrets.token_hex(8)}"
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
            listener.bind(_hookproto.sockaddr(name))
            listener.listen(8)
            listener.setblocking(False)
            child_env = {**env, _hookproto.ENV_VAR: f"@{name}"}
            proc = subprocess.Popen(
                argv, env=child_env, stdout=subprocess.PIPE if capture else None
            )
            return self._serve_until_exit(proc, listener, capture)

    def _serve_until_exit(
        self, proc: subprocess.Popen[bytes], listener: socket.socket, capture: bool
    ) -> tuple[int, str]:
        chunks: list[bytes] = []
        with selectors.DefaultSelector() as selector:
            selector.register(listener, selectors.EVENT_READ, "accept")
            if capture and proc.stdout is not None:
                selector.register(proc.stdout, selectors.EVENT_READ, "stdout")
            exited = _pidfd(proc)
            if exited is not None:
                selector.register(exited, selectors.EVENT_READ, "exit")
            try:
                while True:
                    for key, _ in selector.select(timeout=None if exited is not None else _POLL):
                        if key.data == "accept":
                            self._answer(listener)
                        elif key.data == "stdout" and proc.stdout is not None:
                            chunk = os.read(proc.stdout.fileno(), 65536)
                            if chunk:
                                chunks.append(chunk)
                            else:
                                selector.unregister(proc.stdout)
                    if proc.poll() is not None and (not capture or _drained(selector)):
                        break
            finally:
                if exited is not None:
                    os.close(exited)
                if proc.stdout is not None:
                    proc.stdout.close()
        code = proc.wait()
        return code, b"".join(chunks).decode("utf-8", "replace")

    def _answer(self, listener: socket.socket) -> None:
        try:
            conn, _ = listener.accept()
        except BlockingIOError:
            return
        with conn:
            conn.setblocking(True)
            conn.settimeout(60)
            try:
                argv = _hookproto.read_message(conn).get("argv")
            except (OSError, ValueError):
                return  # a client that went away or spoke nonsense gets nothing
            out, err = io.StringIO(), io.StringIO()
            if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv):
                code, err = 2, io.StringIO("charms.reactive: error: bad request\n")
            else:
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                    code = cli.execute(argv)
            with contextlib.suppress(OSError):
                _hookproto.write_message(
                    conn, {"rc": code, "stdout": out.getvalue(), "stderr": err.getvalue()}
                )


def _pidfd(proc: subprocess.Popen[bytes]) -> int | None:
    """A descriptor readable when the child exits (Linux >= 5.3), else None (polling)."""
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is None:
        return None
    try:
        return int(pidfd_open(proc.pid))
    except OSError:
        return None


def _drained(selector: selectors.BaseSelector) -> bool:
    return not any(key.data == "stdout" for key in selector.get_map().values())
