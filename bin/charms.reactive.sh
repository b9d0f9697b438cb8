# shellcheck shell=bash
# charms.reactive.sh: write reactive handlers in bash.
#
# An executable file in reactive/ is an external handler: charms.reactive runs it with
# `--test` (exit 0 = some handler should run; stdout is kept) and then with
# `--invoke <that stdout>`. This helper implements both sides of that protocol:
#
#     #!/bin/bash
#     source "$CHARM_DIR/bin/charms.reactive.sh"
#
#     @when 'proxy.configured'
#     @when_not 'proxy.announced'
#     announce() {
#         juju-log "proxy is configured"
#         set_flag proxy.announced
#     }
#
#     reactive_handler_main
#
# Decorators (`@when`, `@when_all`, `@when_any`, `@when_not`, `@when_none`,
# `@when_not_all`, `@hook`, `@only_once`) apply to the next function defined after them;
# stacked decorators all have to hold. `--test` asks one `charms.reactive test` call about
# every handler (it sees the flags of the running hook, and re-tests after the first
# iteration only handlers whose flags changed, as charms.reactive does).
# Flag verbs are shell functions: set_flag, clear_flag, toggle_flag, is_flag_set,
# all_flags_set, any_flags_set, get_flags, relation_call.

# In hooks the charm's bin/ is on PATH; outside them (`juju exec`, `juju ssh`) it is not, so
# fall back to the charms.reactive next to this file (it finds its charm by its own path).
if ! command -v charms.reactive >/dev/null 2>&1; then
    PATH="$PATH:$(dirname "$(realpath "${BASH_SOURCE[0]}")")"
fi

for _cr_verb in set_flag clear_flag toggle_flag is_flag_set all_flags_set any_flags_set \
    get_flags relation_call; do
    eval "${_cr_verb}() { charms.reactive ${_cr_verb} \"\$@\"; }"
done
unset _cr_verb

_CR_ARGS=("$@")       # the script's own arguments (sourcing keeps them)
_CR_HANDLERS=()       # handler function names, in definition order
declare -A _CR_CONDS  # handler -> newline-separated "verb arg..." conditions
_CR_PENDING=""        # conditions waiting for the next function definition
_CR_KNOWN=" $(compgen -A function | tr '\n' ' ') "

# Give the pending conditions to the function(s) defined since the last decorator.
_cr_close() {
    local fn
    for fn in $(compgen -A function); do
        [[ $_CR_KNOWN == *" $fn "* ]] && continue
        _CR_KNOWN+="$fn "
        if [[ -n $_CR_PENDING ]]; then
            _CR_HANDLERS+=("$fn")
            _CR_CONDS[$fn]=$_CR_PENDING
            _CR_PENDING=""
        fi
    done
}

_cr_decorate() {
    _cr_close
    local quoted
    printf -v quoted '%q ' "$@"
    _CR_PENDING+="${quoted}"$'\n'
}

@when() { _cr_decorate when "$@"; }
@when_all() { _cr_decorate when_all "$@"; }
@when_any() { _cr_decorate when_any "$@"; }
@when_not() { _cr_decorate when_not "$@"; }
@when_none() { _cr_decorate when_none "$@"; }
@when_not_all() { _cr_decorate when_not_all "$@"; }
@hook() { _cr_decorate hook "$@"; }
@only_once() { _cr_decorate only_once; }

_cr_id() { echo "$(realpath "$0"):$1"; }

# True when every condition of handler $1 holds.
# One spec per handler for `charms.reactive test`: 'NAME ID [TEST ARGS]...', each ARGS one
# shell-quoted word. All handlers are tested by one process (not one per condition).
_cr_spec() {
    local fn=$1 line verb args spec
    printf -v spec '%q %q' "$fn" "$(_cr_id "$fn")"
    while IFS= read -r line; do
        [[ -z $line ]] && continue
        eval "set -- $line"
        verb=$1
        shift
        printf -v args '%q ' "$@"
        spec+=" $verb $(printf '%q' "${args% }")"
    done <<<"${_CR_CONDS[$fn]}"
    printf '%s' "$spec"
}

reactive_handler_main() {
    _cr_close
    (($#)) || set -- "${_CR_ARGS[@]}"
    case "${1-}" in
    --test)
        local fn specs=() passed
        for fn in "${_CR_HANDLERS[@]}"; do
            specs+=("$(_cr_spec "$fn")")
        done
        ((${#specs[@]})) || exit 1
        passed=$(charms.reactive test "${specs[@]}") || exit 2
        [[ -n $passed ]] || exit 1
        echo "$passed"
        exit 0
        ;;
    --invoke)
        local fn names
        IFS=, read -r -a names <<<"${2-}"
        for fn in "${names[@]}"; do
            [[ -n ${_CR_CONDS[$fn]+set} ]] || { echo "unknown handler: $fn" >&2; exit 2; }
            "$fn"
            if [[ ${_CR_CONDS[$fn]} == *only_once* ]]; then
                charms.reactive mark_invoked "$(_cr_id "$fn")"
            fi
        done
        exit 0
        ;;
    *)
        echo "usage: $0 --test | --invoke HANDLER[,HANDLER...]" >&2
        exit 2
        ;;
    esac
}
