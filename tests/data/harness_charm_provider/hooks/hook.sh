#!/bin/bash
# Fixture hook for the Juju emulator tests: one bash script for every hook (via symlinks).
set -e
hook=$(basename "$0")
juju-log "hook=$hook remote=${JUJU_REMOTE_UNIT:-} departing=${JUJU_DEPARTING_UNIT:-}"
case "$hook" in
  install)
    application-version-set 1.0
    ;;
  leader-elected)
    leader-set leader="$JUJU_UNIT_NAME"
    ;;
  config-changed)
    open-port "$(config-get port)/tcp"
    status-set active "serving on $(config-get port)"
    ;;
  website-relation-joined|website-relation-changed)
    relation-set hostname="$(unit-get private-address)" port="$(config-get port)"
    if [ "$(is-leader)" = True ]; then
      relation-set --app service="$(config-get service-name)"
    fi
    ;;
  cluster-relation-joined)
    relation-set "seen-$(echo "$JUJU_REMOTE_UNIT" | tr / -)=yes"
    ;;
esac
if [ "$(config-get fail-hook)" = "$hook" ]; then
  echo "failing $hook on purpose" >&2
  exit 1
fi
