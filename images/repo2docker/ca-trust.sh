#!/bin/sh
# Run once at image build (images/repo2docker and images/binderd): add the
# operator's CA bundle (extra-ca.crt, may be empty; for TLS-intercepting
# proxies) to the system bundle that OpenSSL, git and Python's ssl read.
# pip and requests carry their own bundle: the Dockerfiles point PIP_CERT and
# REQUESTS_CA_BUNDLE at the system one.
set -eu
dir=/usr/local/share/binderd
cat /etc/ssl/certs/ca-certificates.crt "$dir/extra-ca.crt" >"$dir/ca-bundle.crt"
cp "$dir/ca-bundle.crt" /etc/ssl/certs/ca-certificates.crt
