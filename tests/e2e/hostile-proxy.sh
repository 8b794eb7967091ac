#!/usr/bin/env bash
# hostile-proxy: hostile-env.sh with kubectl-rollouts run under the proxy
# variables too (http_proxy, https_proxy, HTTPS_PROXY, HTTP_PROXY, ALL_PROXY
# at a dead local port): a loopback API server is reached directly, never
# through a proxy, as kubectl (Go's net/http) does. Every check is labelled
# "[loopback no-proxy]": this test belongs to the client library's
# loopback no-proxy fix, and fails without it.
exec bash "$(dirname "$0")/hostile-env.sh" --proxied "$@"
