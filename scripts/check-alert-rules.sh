#!/usr/bin/env bash
# `npm run test:alerts`: the Prometheus alert rules are valid and behave as alerts.test.yml says.
set -euo pipefail
cd "$(dirname "$0")/../deploy/prometheus"
if ! command -v promtool >/dev/null 2>&1; then
  echo "test:alerts: promtool not found. Install it: sudo apt-get install -y prometheus (Debian/Ubuntu)," >&2
  echo "  brew install prometheus (macOS), or a release from https://prometheus.io/download/. .ci/run installs it." >&2
  exit 1
fi
promtool check rules alerts.yml
promtool test rules alerts.test.yml
