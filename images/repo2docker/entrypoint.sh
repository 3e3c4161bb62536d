#!/bin/bash
# Entrypoint of binderd's build image: make GIT_CREDENTIAL_ENV available to git
# as a credential helper, then run the container's arguments (normally
# `jupyter-repo2docker ...`) in place of this shell.
#
# The credential is never written to a file or a command line: git is pointed
# (through GIT_CONFIG_COUNT/KEY/VALUE, added to any the pod already sets) at
# git-credential-binderd, which reads the variable itself when git asks.
set -euo pipefail

if [ -n "${GIT_CREDENTIAL_ENV:-}" ]; then
    n="${GIT_CONFIG_COUNT:-0}"
    export "GIT_CONFIG_KEY_${n}=credential.helper"
    export "GIT_CONFIG_VALUE_${n}=/usr/local/bin/git-credential-binderd"
    export GIT_CONFIG_COUNT=$((n + 1))
fi

if [ "$#" = 0 ]; then
    echo "binderd-build-entrypoint: no command given (expected jupyter-repo2docker ...)" >&2
    exit 2
fi
exec "$@"
