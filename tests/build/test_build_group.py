"""The build tests share one pytest-xdist worker, so the examples are built once a session."""

from __future__ import annotations

import pytest


def test_build_tests_run_in_the_build_group_under_loadgroup(request: pytest.FixtureRequest):
    """pytest-xdist suffixes a grouped test's id with ``@<group>`` in its workers.

    Without the suffix the build tests spread over the workers and each one builds every
    example again (about 40 s of charm-build a worker).
    """
    config = request.config
    if not hasattr(config, "workerinput") or not config.getvalue("loadgroup"):
        pytest.skip("only meaningful in a pytest-xdist worker under --dist loadgroup")
    assert request.node.nodeid.endswith("@build"), request.node.nodeid
