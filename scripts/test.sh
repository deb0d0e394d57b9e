#!/usr/bin/env bash
# Runs every FuncTasks test. Installs what the tests need (the pinned Azurite and puppeteer-core, NuGet packages,
# and, as root, Debian's chromium and firefox-esr for the dashboard's browser tests),
# builds the solution, and runs the tests, then the end-to-end suite when a Functions host is found;
# the tests start their own Azurite (and hosts) on free ports and this script stops, by PID, any that
# a crashed test run left behind.
#   scripts/test.sh [extra 'dotnet test' arguments, e.g. --filter FullyQualifiedName~Tasks]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

missing() { echo "scripts/test.sh: $1 is missing. $2" >&2; exit 1; }
command -v dotnet >/dev/null || missing ".NET SDK 10" "Install it from https://dotnet.microsoft.com/download/dotnet/10.0"
command -v node >/dev/null || missing "Node.js 20+" "Install it from https://nodejs.org (Azurite runs on it)"
command -v npm >/dev/null || missing "npm" "It comes with Node.js: https://nodejs.org"

echo "==> Installing the pinned Azurite (npm ci in azurite/)"
(cd azurite && npm ci --no-audit --no-fund --loglevel=error)
echo "==> Installing puppeteer-core for the dashboard's Firefox test (npm ci in tests/FuncTasks.Tests/Dashboard/firefox/)"
(cd tests/FuncTasks.Tests/Dashboard/firefox && npm ci --no-audit --no-fund --loglevel=error)

pid_dir="$(mktemp -d)"
export FUNCTASKS_TEST_PID_DIR="$pid_dir"
stop_leftovers() {
  for file in "$pid_dir"/*.pid; do
    [ -e "$file" ] || continue
    pid="$(cat "$file")"
    if kill -0 "$pid" 2>/dev/null; then
      echo "==> Stopping a process left running by the tests (PID $pid)"
      kill "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$pid_dir"
}
trap stop_leftovers EXIT

echo "==> Compiling and linting infra/ (Bicep)"
scripts/lint-infra.sh

echo "==> Building"
dotnet build FuncTasks.sln --nologo -v quiet -clp:ErrorsOnly

# The dashboard's browser tests (tests/FuncTasks.Tests/Dashboard) drive a real Chromium: the one FUNCTASKS_CHROMIUM
# names, else Playwright's own, else the system's (tests/FuncTasks.Tests/Dashboard/DashboardBrowser.cs, same order).
find_chromium() {
  if [ -n "${FUNCTASKS_CHROMIUM:-}" ]; then [ -x "$FUNCTASKS_CHROMIUM" ]; return; fi
  compgen -G "${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}/chromium*" >/dev/null \
    || command -v chromium >/dev/null || command -v chromium-browser >/dev/null
}
# and a stock Firefox over WebDriver BiDi: the one FUNCTASKS_FIREFOX names, else firefox-esr or firefox on PATH
# (tests/FuncTasks.Tests/Dashboard/DashboardFirefoxTests.cs, same order).
find_firefox() {
  if [ -n "${FUNCTASKS_FIREFOX:-}" ]; then [ -x "$FUNCTASKS_FIREFOX" ]; return; fi
  command -v firefox-esr >/dev/null || command -v firefox >/dev/null
}
browsers=()
find_chromium || browsers+=(chromium)
find_firefox || browsers+=(firefox-esr)
if [ "${#browsers[@]}" -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "==> Installing Debian's ${browsers[*]} for the dashboard's browser tests (apt-get install ${browsers[*]})"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${browsers[@]}" >/dev/null
fi
find_chromium || missing "Chromium (the dashboard's browser tests drive one)" \
  "Install Debian's (sudo apt-get install chromium), or Playwright's own (pwsh tests/FuncTasks.Tests/bin/Debug/net10.0/playwright.ps1 install chromium), or set FUNCTASKS_CHROMIUM to a Chromium executable"
find_firefox || missing "Firefox (the dashboard's Firefox test drives one)" \
  "Install Debian's (sudo apt-get install firefox-esr), or set FUNCTASKS_FIREFOX to a Firefox executable"

echo "==> Testing"
dotnet test tests/FuncTasks.Tests --no-build --nologo "$@"

# The end-to-end suite runs the built app under a real Functions host: Core Tools' func on PATH, or the folder
# named by FUNCTASKS_HOST_DIR (tests/FuncTasks.E2E/Infrastructure/FunctionsHostLocator.cs applies the same rule).
if [ -n "${FUNCTASKS_HOST_DIR:-}" ] || command -v func >/dev/null; then
  echo "==> End-to-end suite (the built app under a real Functions host)"
  dotnet test tests/FuncTasks.E2E --no-build --nologo "$@"
else
  echo "==> End-to-end suite skipped: no Functions host (no func on PATH, FUNCTASKS_HOST_DIR not set); see README, Tests"
fi
