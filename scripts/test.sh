#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what the tests need, builds, type-checks and
# runs every test. Tests that need a real server (BIND, Postfix, netns) start it themselves.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-system-deps.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run --silent build
npx tsc -p tsconfig.test.json
mapfile -t files < <(find test -name '*.test.ts' | sort)
exec node --import tsx --test --test-reporter=spec --test-concurrency=2 "${files[@]}"
