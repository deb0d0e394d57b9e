#!/usr/bin/env bash
# Compiles and lints the Bicep under infra/ with a pinned bicep CLI, and fails (exit 1) on any error
# or warning. The linter rules and their levels are in infra/bicepconfig.json.
#   scripts/lint-infra.sh
# The bicep CLI comes from the NuGet package Azure.Bicep.CommandLine.linux-x64 (pinned version and
# SHA-256 below) and is cached in .tools/bicep/<version>/; that one download is the only network
# access, and only on the first run. Set BICEP=/path/to/bicep to use another binary instead.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

bicep_version="0.49.2"
nupkg_id="azure.bicep.commandline.linux-x64"
nupkg_url="https://api.nuget.org/v3-flatcontainer/$nupkg_id/$bicep_version/$nupkg_id.$bicep_version.nupkg"
nupkg_sha256="4200806a921d2ba1ea7de78ec2e064cefe313f26f612be442e5161452af70d9d"
tool_dir="$root/.tools/bicep/$bicep_version"

fail() { echo "scripts/lint-infra.sh: $*" >&2; exit 1; }

tmp=""
compiled=""
trap 'rm -rf ${tmp:+"$tmp"} ${compiled:+"$compiled"}' EXIT

install_bicep() {
  local nuget_cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}/$nupkg_id/$bicep_version/tools/bicep"
  tmp="$(mktemp -d "$root/.tools/bicep.XXXXXX")"
  if [ -f "$nuget_cache" ]; then
    echo "==> Using bicep $bicep_version from the NuGet package cache ($nuget_cache)"
    cp "$nuget_cache" "$tmp/bicep"
  else
    command -v curl >/dev/null || fail "curl is missing; it downloads the bicep CLI. Install curl (apt-get install curl)."
    command -v unzip >/dev/null || fail "unzip is missing; it unpacks the bicep CLI package. Install unzip (apt-get install unzip)."
    echo "==> Downloading bicep $bicep_version (NuGet package $nupkg_id) from $nupkg_url"
    curl -fsSL --retry 3 -o "$tmp/bicep.nupkg" "$nupkg_url" \
      || fail "downloading $nupkg_url failed. Put a bicep $bicep_version binary on this machine and run with BICEP=/path/to/bicep."
    echo "$nupkg_sha256  $tmp/bicep.nupkg" | sha256sum -c --quiet - \
      || fail "the downloaded package does not have the pinned SHA-256 ($nupkg_sha256)."
    unzip -q -o "$tmp/bicep.nupkg" tools/bicep -d "$tmp"
    mv "$tmp/tools/bicep" "$tmp/bicep"
  fi
  chmod +x "$tmp/bicep"
  "$tmp/bicep" --version | grep -q "$bicep_version" || fail "the unpacked binary is not bicep $bicep_version."
  mkdir -p "$tool_dir"
  mv -f "$tmp/bicep" "$tool_dir/bicep" # same file system: the cached binary appears whole or not at all
}

if [ -n "${BICEP:-}" ]; then
  bicep="$BICEP"
else
  bicep="$tool_dir/bicep"
  if [ ! -x "$bicep" ]; then
    [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] \
      || fail "the pinned bicep package is for linux-x64; on $(uname -s)-$(uname -m) run with BICEP=/path/to/bicep (https://aka.ms/bicep-install)."
    mkdir -p "$root/.tools"
    install_bicep
  fi
fi
echo "==> $("$bicep" --version)"

# Bicep prints diagnostics as "<file>(<line>,<col>) : <Level> <code>: <message>" on stderr; a step
# fails on a non-zero exit (errors) and on any warning line (bicep itself exits 0 on warnings).
problems=0
check() {
  local output="$1" status="$2"
  [ -z "$output" ] || echo "$output"
  if [ "$status" -ne 0 ] || grep -qE '\) : (Error|Warning) ' <<<"$output"; then
    problems=$((problems + 1))
  fi
}

# --no-restore: infra/ uses no registry modules, so nothing may be fetched.
compiled="$(mktemp)"
echo "==> bicep build --no-restore infra/main.bicep --stdout > $compiled"
status=0; output="$("$bicep" build --no-restore infra/main.bicep --stdout 2>&1 >"$compiled")" || status=$?
check "$output" "$status"
build_status="$status"

echo "==> bicep lint --no-restore --pattern 'infra/**/*.bicep'   ($(find infra -name '*.bicep' | sort | tr '\n' ' '))"
status=0; output="$("$bicep" lint --no-restore --pattern 'infra/**/*.bicep' 2>&1)" || status=$?
check "$output" "$status"

# main.parameters.json is read by azd: every parameter it names must exist in main.bicep.
echo "==> checking that every parameter in infra/main.parameters.json is declared in infra/main.bicep"
if ! command -v jq >/dev/null; then
  echo "    (skipped: jq is not installed)"
elif [ "$build_status" -ne 0 ] || [ ! -s "$compiled" ]; then
  echo "    (skipped: infra/main.bicep did not compile)"
elif ! file_params="$(jq -r '.parameters | keys[]' infra/main.parameters.json)"; then
  echo "infra/main.parameters.json is not valid JSON"; problems=$((problems + 1))
else
  template_params="$(jq -r '.parameters | keys[]' "$compiled")"
  unknown=0
  for name in $file_params; do
    grep -qx "$name" <<<"$template_params" \
      || { echo "infra/main.parameters.json: parameter '$name' is not declared in infra/main.bicep"; unknown=1; }
  done
  problems=$((problems + unknown))
fi

if [ "$problems" -ne 0 ]; then
  echo "scripts/lint-infra.sh: FAILED ($problems step(s) reported errors or warnings; see above)" >&2
  exit 1
fi
echo "==> infra/ is clean: it compiles with no errors or warnings"
