"""``apt-get`` as charms need it: non-interactive, retried on the dpkg lock, errors that name.

Used by the bootstrap for the ``packages`` layer option and by ``charms.layer.basic.
apt_install``. Imported only when something is to be installed.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Final

from reactive_bootstrap._errors import BootstrapError

__all__ = ["AptError", "apt_env", "run_apt_get"]

#: apt-get's messages when another process (unattended-upgrades, cloud-init) holds a lock.
LOCK_MESSAGES: Final = (
    "Could not get lock",
    "Unable to acquire the dpkg frontend lock",
    "Unable to lock the administration directory",
    "Unable to lock directory",
    "is another process using it",
)
_CULPRITS: Final = (
    r"Unable to locate package (\S+)",
    r"Package '([^']+)' has no installation candidate",
    r"Version '[^']+' for '([^']+)' was not found",
    r"Package (\S+) is not available",
)


class AptError(BootstrapError):
    """``apt-get`` failed for good.

    Attributes:
        returncode: apt-get's exit status (None when it could not be started).
        package: The package apt-get complained about, or the requested ones.
    """

    def __init__(
        self,
        message: str,
        *,
        cmd: Sequence[str],
        returncode: int | None,
        stderr: str,
        package: str,
    ) -> None:
        super().__init__(message, cmd=cmd, stderr=stderr)
        self.returncode = returncode
        self.package = package


def apt_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return ``base`` (default ``os.environ``) with what apt-get needs in a hook.

    ``DEBIAN_FRONTEND=noninteractive`` (no debconf prompt: nobody can answer it) and
    ``LANG=C.UTF-8`` unless they are set; an explicit setting is kept.
    """
    env = dict(os.environ if base is None else base)
    env.setdefault("DEBIAN_FRONTEND", "noninteractive")
    env.setdefault("LANG", "C.UTF-8")
    return env


def run_apt_get(
    args: Sequence[str],
    *,
    packages: Sequence[str],
    attempts: int = 3,
    delay: float = 5.0,
    env: Mapping[str, str] | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Run ``apt-get <args>``, retrying what a retry can cure.

    * The dpkg lock is held (unattended-upgrades after boot, another unit's hook on the same
      machine): wait ``delay`` seconds and retry, up to ``attempts`` runs in all.
    * Any other failure: run ``apt-get update`` (a stale or missing package index is the
      usual cause: "Unable to locate package", 404s) and retry, once; a second such failure
      is final.

    Args:
        args: The arguments after ``apt-get`` (``install``, options, package names).
        packages: The packages requested, named in the error when apt's output names none.
        attempts: How many times apt-get may run in all (at least 1).
        delay: Seconds to wait before a retry.
        env: The environment (default :func:`apt_env`).
        sleep: Waits between attempts (tests pass a fake).

    Raises:
        AptError: apt-get could not be run or failed for good; the message names the
            package and quotes apt-get's error output.
    """
    cmd = ["apt-get", *args]
    run_env = apt_env() if env is None else dict(env)
    updated = False
    attempt = 0
    while True:
        attempt += 1
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, env=run_env, check=False)
        except OSError as err:
            raise AptError(
                f"cannot run apt-get to install {' '.join(packages) or 'nothing'}: {err}",
                cmd=cmd,
                returncode=None,
                stderr="",
                package=" ".join(packages),
            ) from None
        if proc.returncode == 0:
            return
        output = (proc.stderr.strip() or proc.stdout.strip()).strip()
        if attempt >= max(attempts, 1):
            break
        if any(message in output for message in LOCK_MESSAGES):
            sleep(delay)
            continue
        if updated:
            break
        updated = True
        subprocess.run(
            ["apt-get", "update"], capture_output=True, text=True, env=run_env, check=False
        )
    culprit = _culprit(output) or " ".join(packages)
    raise AptError(
        f"cannot install Debian package {culprit} (apt-get exit {proc.returncode} after "
        f"{attempt} attempt{'s' if attempt > 1 else ''}: {' '.join(cmd)}):\n{output}",
        cmd=cmd,
        returncode=proc.returncode,
        stderr=output,
        package=culprit,
    )


def _culprit(output: str) -> str | None:
    for pattern in _CULPRITS:
        match = re.search(pattern, output)
        if match:
            return match.group(1)
    return None
