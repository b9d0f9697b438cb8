"""Install a built charm's Python dependencies on the unit, before charms.reactive is imported.

Every generated hook (``hooks/hook.template``) and the ``bin/charms.reactive`` launcher call
:func:`bootstrap` first. It uses the standard library only, because it runs before anything
is installed, and it never imports ``charms.reactive`` or ``charmhelpers``.

What it does, in order:

0. On Python < 3.12, make ``import distutils`` use the standard library's copy
   (``SETUPTOOLS_USE_DISTUTILS=stdlib``), not setuptools' heavy shim.
1. Run the operator's ``exec.d/*/charm-pre-install`` scripts that have not succeeded yet,
   in sorted order, before anything is installed (``_execd``; one ``stat`` when the charm
   has no ``exec.d``). A failing script fails the hook, naming it and quoting its output.
2. Put ``$CHARM_DIR/bin`` on ``PATH`` (so bash handlers can run ``charms.reactive``), and
   install ``bin/charm-env`` as ``/usr/local/sbin/charm-env`` if it is missing or differs,
   for a charm deployed by a Juju agent or where ``$CHARM_ENV_INSTALL_DIR`` says; a failure
   is a WARNING on stderr, not a failed hook (``_charm_env``).
3. Read this layer's options from the built charm's ``layer.yaml`` (:class:`LayerOptions`).
4. Compute a digest of the charm's ``wheelhouse/`` (names and contents of its files), the
   options and the Python version (cached in the charm dir, keyed by the files' names, sizes
   and mtimes, so later hooks do not re-read the wheelhouse). No ``wheelhouse/``, no
   packages and no python_packages: nothing more to do.
5. If the marker file in the target directory records that digest, only make the installed
   packages importable (:func:`activate`). This is the path of every hook after the first.
6. Otherwise, under an exclusive ``flock`` on a lock file in the target, rebuild: empty the
   target (a symlink to a shared directory is followed, never replaced), run ``apt-get
   install`` for the ``packages`` option if it is not empty (``_apt``: retried while the
   dpkg lock is held), create the venv with
   ``python3 -m venv`` (``use_venv: true``, the default) and ``pip install --no-index
   --find-links wheelhouse/`` every distribution in ``wheelhouse/``; then install
   ``python_packages``; write the marker last. A changed wheelhouse (``upgrade-charm``
   with new dependencies) changes the digest, so the next hook rebuilds.

The target is ``$CHARM_DIR/../.venv`` (next to the charm directory, as layer-basic does),
or ``$CHARM_DIR/../.site-packages`` with ``use_venv: false``: a plain ``pip install
--target`` directory put on ``sys.path``; the system Python is never modified.

Activation uses :func:`site.addsitedir` and puts the new entries at the *front* of
``sys.path`` (plus the venv's ``bin/`` on ``PATH`` for subprocesses), instead of
re-executing the hook under the venv's interpreter: it costs under a millisecond where a
re-exec costs a second interpreter start-up.

Modules, in import order: ``_errors``, ``_yaml`` (the layer.yaml subset; PyYAML is not
installed yet), ``_options``, ``_digest``, ``_env`` (activation), ``_charm_env``, ``_apt``,
``_execd`` and ``_install`` (the last three imported only when needed), ``_bootstrap`` (the
two entry points). ``charms.layer`` (layer-basic's API) is built on the public names below.
"""

from reactive_bootstrap._bootstrap import bootstrap, ensure_ready
from reactive_bootstrap._charm_env import (
    CHARM_ENV_DEFAULT_DIR,
    CHARM_ENV_DIR_VAR,
    CHARM_ENV_NAME,
    charm_env_install_dir,
    ensure_charm_env,
    install_charm_env,
)
from reactive_bootstrap._digest import DIGEST_CACHE_NAME, MARKER_NAME, state_digest
from reactive_bootstrap._env import activate
from reactive_bootstrap._errors import BootstrapError
from reactive_bootstrap._options import (
    LayerOptions,
    read_layer_options,
    read_layer_section,
    target_dir,
)
from reactive_bootstrap._yaml import parse_simple_yaml

__all__ = [
    "CHARM_ENV_DEFAULT_DIR",
    "CHARM_ENV_DIR_VAR",
    "CHARM_ENV_NAME",
    "DIGEST_CACHE_NAME",
    "MARKER_NAME",
    "BootstrapError",
    "LayerOptions",
    "activate",
    "bootstrap",
    "charm_env_install_dir",
    "ensure_charm_env",
    "ensure_ready",
    "install_charm_env",
    "parse_simple_yaml",
    "read_layer_options",
    "read_layer_section",
    "state_digest",
    "target_dir",
]
