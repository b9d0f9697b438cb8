"""Peak memory of a benchmark hook process: the same code on both frameworks and both APIs.

``bench/assemble.py`` copies this module into every client charm's ``lib/`` (on ``sys.path``
in the hooks of both frameworks). The charm's reactive module calls :func:`record_at_exit`
when it is imported; the benchmark reads the peak (KiB) from ``.bench-maxrss`` in the charm
dir after the hook.
"""

import atexit
import os
import resource

#: The benchmark reads the hook process's peak memory (KiB) from this file in the charm dir.
PEAK_MEMORY_FILE = ".bench-maxrss"


def peak_kib():
    """Return the peak RSS (KiB) of this process since its exec.

    ``VmHWM`` from ``/proc/self/status``, not ``ru_maxrss``: Linux carries the pre-exec
    high-water mark across fork + exec, so a hook started by a 130 MB emulator process would
    report at least 130 MB. ``ru_maxrss`` is the fallback where ``/proc`` is missing.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _write_peak(path):
    try:
        with open(path, "w") as out:
            out.write(str(peak_kib()))
    except OSError:
        pass  # the charm dir is gone (a unit removed after an in-process hook)


def record_at_exit():
    """Write this process's peak memory into the charm dir when the hook process exits.

    Called at import of the charm's reactive module (both frameworks import it once per
    hook), so it runs at exit whatever the framework does in between. The path is fixed now:
    the hook's cwd is its charm dir.
    """
    atexit.register(_write_peak, os.path.join(os.getcwd(), PEAK_MEMORY_FILE))
