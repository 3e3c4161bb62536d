# shellcheck shell=bash
# Shared helpers for scripts/provision and scripts/build-base-image.
# Sourced, never executed. Expects `set -euo pipefail` in the caller.

BINDERD_REPO="${BINDERD_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
BINDERD_LOCAL="${BINDERD_LOCAL:-$BINDERD_REPO/.local}"
BINDERD_CA_BUNDLE="${BINDERD_CA_BUNDLE-/etc/ssl/certs/ca-certificates.crt}"
BINDERD_VERBOSE="${BINDERD_VERBOSE:-0}"

_binderd_prog="$(basename "$0")"

say()  { printf '[%s] %s\n' "$_binderd_prog" "$*"; }
note() { if [ "$BINDERD_VERBOSE" = 1 ]; then say "$@"; fi; }
warn() { printf '[%s] WARNING: %s\n' "$_binderd_prog" "$*" >&2; }
die()  { printf '[%s] ERROR: %s\n' "$_binderd_prog" "$*" >&2; exit 1; }

# .local/ is created lazily and ignores itself, so nothing outside scripts/
# (e.g. the top-level .gitignore) has to know about it.
ensure_local() {
    local d
    if [ ! -d "$BINDERD_LOCAL" ]; then
        mkdir -p "$BINDERD_LOCAL"
    fi
    [ -f "$BINDERD_LOCAL/.gitignore" ] || printf '*\n' >"$BINDERD_LOCAL/.gitignore"
    for d in "$@"; do mkdir -p "$BINDERD_LOCAL/$d"; done
}

# Log directory: /var/log/binderd when writable, else <repo>/.local/log.
log_dir() {
    if [ -z "${BINDERD_LOG_DIR:-}" ]; then
        if mkdir -p /var/log/binderd 2>/dev/null && [ -w /var/log/binderd ]; then
            BINDERD_LOG_DIR=/var/log/binderd
        else
            ensure_local log
            BINDERD_LOG_DIR="$BINDERD_LOCAL/log"
        fi
    fi
    mkdir -p "$BINDERD_LOG_DIR"
    printf '%s\n' "$BINDERD_LOG_DIR"
}

# run_logged NAME CMD...: run CMD with all output appended to $LOGDIR/NAME.log;
# on failure print the tail of the log and fail.
run_logged() {
    local name="$1"; shift
    local log; log="$(log_dir)/$name.log"
    printf '\n=== %s: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$log"
    local rc=0
    "$@" >>"$log" 2>&1 </dev/null || rc=$?
    if [ "$rc" != 0 ]; then
        warn "command failed (rc=$rc): $*"
        warn "last lines of $log:"
        tail -n 25 "$log" | sed 's/^/    /' >&2
        return "$rc"
    fi
}

# Take an exclusive lock for the rest of the process (released on exit).
take_lock() {
    local name="$1" fd
    ensure_local
    exec {fd}>"$BINDERD_LOCAL/$name.lock"
    if ! flock -n "$fd"; then
        say "waiting for another $name run to finish ..."
        flock "$fd"
    fi
}

sha256_of() { sha256sum | cut -c1-64; }

need_root() {
    [ "$(id -u)" = 0 ] || die "$* needs root (run as root or via sudo)"
}

# Effective CA bundle: prints the path of the operator's bundle, or nothing
# when BINDERD_CA_BUNDLE is empty/"none" or the file does not exist.
ca_bundle_path() {
    case "$BINDERD_CA_BUNDLE" in
        ""|none) return 0 ;;
    esac
    if [ -r "$BINDERD_CA_BUNDLE" ]; then
        printf '%s\n' "$BINDERD_CA_BUNDLE"
    else
        warn "BINDERD_CA_BUNDLE=$BINDERD_CA_BUNDLE is not readable; images get no extra CA"
    fi
}

docker_up() { docker info >/dev/null 2>&1; }

# Label value of a local image, empty if the image does not exist.
image_label() {
    docker image inspect -f "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true
}

# Start dockerd in the background (surviving this script) unless `docker info`
# already answers. Docker's defaults are kept, including the implicit
# 127.0.0.0/8 insecure-registry range (plain-http registries on loopback).
# Sets BINDERD_DID_START_DOCKERD=1 when it started one.
BINDERD_DOCKERD_TIMEOUT="${BINDERD_DOCKERD_TIMEOUT:-60}"
ensure_dockerd() {
    BINDERD_DID_START_DOCKERD=0
    if docker_up; then
        note "docker: daemon already answering"
        return 0
    fi
    command -v docker >/dev/null || die "docker CLI not found (apt package docker.io)"
    command -v dockerd >/dev/null || die "dockerd not found (apt package docker.io)"
    need_root "starting dockerd"
    local log pid i
    log="$(log_dir)/dockerd.log"
    if [ -S /var/run/docker.sock ] && pid="$(cat /var/run/docker.pid 2>/dev/null)" \
        && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        say "dockerd (pid $pid) is running but not answering yet; waiting"
    else
        printf '\n=== %s: starting dockerd\n' "$(date -u +%FT%TZ)" >>"$log"
        # setsid+nohup: own session, immune to SIGHUP, outlives this script.
        # Close every inherited fd above 2 first: our flock fds must not be
        # held by the daemon for the rest of its life.
        (
            cd /
            for fdpath in /proc/"$BASHPID"/fd/*; do
                fd="${fdpath##*/}"
                if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-"; fi
            done
            # shellcheck disable=SC2086
            exec setsid nohup dockerd ${BINDERD_DOCKERD_ARGS:-} >>"$log" 2>&1 </dev/null
        ) &
        pid=$!
        say "started dockerd (pid $pid), log: $log"
        # shellcheck disable=SC2034  # read by scripts/provision
        BINDERD_DID_START_DOCKERD=1
    fi
    for ((i = 0; i < BINDERD_DOCKERD_TIMEOUT * 2; i++)); do
        if docker_up; then
            note "docker: daemon up after $((i / 2)) s"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            warn "dockerd exited; last lines of $log:"
            tail -n 20 "$log" | sed 's/^/    /' >&2
            die "dockerd failed to start"
        fi
        sleep 0.5
    done
    warn "last lines of $log:"
    tail -n 20 "$log" | sed 's/^/    /' >&2
    die "dockerd did not answer 'docker info' within ${BINDERD_DOCKERD_TIMEOUT} s"
}
