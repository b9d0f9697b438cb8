"""The hook-tool client: every tool on the hook's PATH is this script, as Juju's are ``jujuc``.

It runs as ``python -SE`` and imports only ``_socket``, ``sys`` and ``posix``, so it starts in
a few milliseconds. It sends the tool name and arguments, ``JUJU_CONTEXT_ID``, the working
directory and (only for ``--file -``) standard input over the unix socket named by
``JUJU_AGENT_SOCKET_ADDRESS`` (``@name`` is an abstract socket, as Juju uses on Linux), then
prints the reply and exits with its code.

Framing (both ways): a 4-byte big-endian length, then that many bytes made of fields, each a
4-byte big-endian length and its bytes. Request fields: ``JUJUC1``, context id, cwd, ``1`` or
``0`` (stdin sent), stdin, then argv (tool name first). Reply fields: exit code (decimal),
stdout, stderr.
"""

import _socket
import posix
import sys

MAGIC = b"JUJUC1"


def pack(fields: "list[bytes]") -> bytes:
    """Frame a list of byte strings."""
    body = b"".join(len(f).to_bytes(4, "big") + f for f in fields)
    return len(body).to_bytes(4, "big") + body


def unpack(body: bytes) -> "list[bytes]":
    """Split a frame body into its fields."""
    fields = []
    pos = 0
    while pos < len(body):
        size = int.from_bytes(body[pos : pos + 4], "big")
        fields.append(body[pos + 4 : pos + 4 + size])
        pos += 4 + size
    return fields


def recv_frame(sock: "_socket.socket") -> bytes:
    """Read one frame; return its body (empty when the peer closed first)."""
    chunks = []
    need = 4
    header = b""
    while len(header) < 4:
        chunk = sock.recv(4 - len(header))
        if not chunk:
            return b""
        header += chunk
    need = int.from_bytes(header, "big")
    while need:
        chunk = sock.recv(min(need, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        need -= len(chunk)
    return b"".join(chunks)


def wants_stdin(args: "list[str]") -> bool:
    """Whether the arguments read a file from stdin (``--file -`` or ``--file=-``)."""
    for i, arg in enumerate(args):
        if arg == "--file=-" or (arg == "--file" and args[i + 1 : i + 2] == ["-"]):
            return True
    return False


def main() -> int:
    """Run the tool named by ``argv[0]`` through the emulator; return its exit code."""
    env = posix.environ
    enc = sys.getfilesystemencoding()
    context = env.get(b"JUJU_CONTEXT_ID")
    address = env.get(b"JUJU_AGENT_SOCKET_ADDRESS")
    if not context or not address:
        missing = "JUJU_CONTEXT_ID" if not context else "JUJU_AGENT_SOCKET_ADDRESS"
        # cmd/jujud: a missing variable is reported as "error: <NAME> not set", exit 2.
        sys.stderr.write("error: " + missing + " not set\n")
        return 2
    args = sys.argv[1:]
    name = sys.argv[0].rpartition("/")[2]
    stdin = b""
    send_stdin = wants_stdin(args)
    if send_stdin:
        stdin = sys.stdin.buffer.read()
    fields = [MAGIC, context, posix.getcwd().encode(enc, "surrogateescape")]
    fields += [b"1" if send_stdin else b"0", stdin, name.encode(enc, "surrogateescape")]
    fields += [a.encode(enc, "surrogateescape") for a in args]
    if address.startswith(b"@"):
        address = b"\0" + address[1:]
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect(address)
        sock.sendall(pack(fields))
        reply = unpack(recv_frame(sock))
    except OSError as err:
        sys.stderr.write("error: cannot reach the agent: " + str(err) + "\n")
        return 1
    finally:
        sock.close()
    if len(reply) != 3:
        sys.stderr.write("error: the agent closed the connection\n")
        return 1
    sys.stdout.buffer.write(reply[1])
    sys.stdout.flush()
    sys.stderr.buffer.write(reply[2])
    sys.stderr.flush()
    return int(reply[0])


if __name__ == "__main__":
    sys.exit(main())
