"""Benchmark handlers: the same code on charms.reactive 1.5.3 and on this layer."""

import atexit
import hashlib
import os
import resource

from charmhelpers.core import hookenv

from charms.reactive import hook, toggle_state, when

KEYS = ("key-0", "key-1", "key-2", "key-3", "key-4")
#: The benchmark reads the hook process's peak memory (KiB) from this file in the charm dir.
PEAK_MEMORY_FILE = ".bench-maxrss"


def _peak_kib():
    # VmHWM is the peak RSS of this process's own memory since its exec. ru_maxrss is not:
    # Linux carries the pre-exec high-water mark across fork/vfork + exec, so a hook started
    # by a 130 MB emulator process would report at least 130 MB.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _record_peak_memory(path):
    try:
        with open(path, "w") as out:
            out.write(str(_peak_kib()))
    except OSError:
        pass  # the charm dir is gone (a unit removed after an in-process hook)


# Registered at import (both frameworks import this module once per hook), so it runs at the
# hook process's exit whatever the framework does in between.
# The path is fixed at import: the hook's cwd is its charm dir.
atexit.register(_record_peak_memory, os.path.join(os.getcwd(), PEAK_MEMORY_FILE))


@hook("config-changed")
def configure():
    toggle_state("bench.answering", bool(hookenv.config().get("answer")))


@when("db.available", "db.changed", "bench.answering")
def answer(available, changed):
    for conv in available.conversations():
        digest = hashlib.sha256()
        for key in KEYS:
            digest.update(str(conv.get_remote(key)).encode())
        conv.set_remote("answer", digest.hexdigest()[:16])
    for conv in changed.conversations():
        conv.remove_state("{relation_name}.changed")
