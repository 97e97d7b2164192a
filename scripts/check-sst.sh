#!/usr/bin/env bash
# Type-checks the SST app (sst.config.ts and infra/) against SST's real platform types; a misspelt component
# option fails it. `sst install` writes .sst/platform (SST's components with @pulumi/aws and @pulumi/pulumi,
# from npm) and is skipped when .sst/platform already matches the pinned sst, unless FORCE=1.
# `sst deploy` / `sst diff` cannot run here: they need the Pulumi CLI, which no registry we reach ships.
set -euo pipefail
cd "$(dirname "$0")/.."

pinned="$(node -p 'require("./node_modules/sst/package.json").version')"
installed="$(cat .sst/platform/version 2>/dev/null || true)"

if [[ "${FORCE:-}" == "1" || ! -f .sst/platform/config.d.ts || "$installed" != "$pinned" ]]; then
  echo "check-sst: sst install (sst $pinned) into .sst/platform"
  # sst install must leave the committed manifests as they are; if a future sst rewrites them, put them back
  # and say so, so that CI never runs on (or leaves behind) a changed lock file.
  saved="$(mktemp -d)"
  trap 'rm -rf "$saved"' EXIT
  cp package.json package-lock.json "$saved/"
  log="$saved/install.log"
  # SST_SKIP_DEPENDENCY_CHECK: do not download Pulumi; SST_NO_BUN: install the platform with npm;
  # SST_TELEMETRY_DISABLED: no telemetry (unreachable here; its retries cost about a minute).
  if ! SST_SKIP_DEPENDENCY_CHECK=1 SST_NO_BUN=1 SST_TELEMETRY_DISABLED=1 \
    npx --no-install sst install --stage ci >"$log" 2>&1; then
    cat "$log" >&2
    echo "check-sst: sst install failed" >&2
    exit 1
  fi
  for file in package.json package-lock.json; do
    if ! cmp -s "$file" "$saved/$file"; then
      cp "$saved/$file" "$file"
      echo "check-sst: sst install changed $file; restored the committed version" >&2
    fi
  done
fi

echo "check-sst: tsc -p tsconfig.sst.json"
npx --no-install tsc --noEmit -p tsconfig.sst.json
echo "check-sst: sst.config.ts and infra/ type-check against sst $pinned"
