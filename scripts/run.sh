#!/usr/bin/env bash
# Runs FuncTasks locally: Azurite with its data kept on disk in .azurite/, the app built, and the
# Azure Functions host (Core Tools, `func start`). Prints the base URL once /api/health answers.
#   scripts/run.sh            (FUNCTASKS_PORT=7071 by default)
# Ctrl+C stops the host and the Azurite this script started.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
port="${FUNCTASKS_PORT:-7071}"

fail() { echo "scripts/run.sh: $*" >&2; exit 1; }
command -v dotnet >/dev/null || fail ".NET SDK 10 is missing. Install it from https://dotnet.microsoft.com/download/dotnet/10.0"
command -v node >/dev/null || fail "Node.js 20+ is missing (Azurite and Core Tools run on it). Install it from https://nodejs.org"
command -v npm >/dev/null || fail "npm is missing. It comes with Node.js: https://nodejs.org"

# Azure Functions Core Tools v4: use the one on PATH, else install it locally with npm.
core_tools_missing() {
  fail "Azure Functions Core Tools v4 (the 'func' command, which runs the Functions host) is missing.
$1
Install Core Tools v4, then run this command again:
  npm install -g azure-functions-core-tools@4 --unsafe-perm true
  (its install downloads the host from https://cdn.functions.azure.com, which must be reachable)
  or your OS package: https://learn.microsoft.com/azure/azure-functions/functions-run-local#install-the-azure-functions-core-tools"
}
if ! command -v func >/dev/null; then
  if [ ! -x .tools/node_modules/.bin/func ]; then
    echo "==> Azure Functions Core Tools (func) not found; installing azure-functions-core-tools@4 into .tools/ with npm"
    npm install --prefix .tools --no-audit --no-fund --loglevel=error azure-functions-core-tools@4 \
      || { rm -rf .tools; core_tools_missing "Installing it into .tools/ with npm failed (see npm's error above; usually the CDN download)."; }
  fi
  export PATH="$root/.tools/node_modules/.bin:$PATH"
fi
func --version >/dev/null 2>&1 || core_tools_missing "'func' is on PATH but does not run ('func --version' failed)."

[ -f src/FuncTasks/local.settings.json ] || { cp local.settings.sample.json src/FuncTasks/local.settings.json; echo "==> Created src/FuncTasks/local.settings.json from local.settings.sample.json"; }

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

listening() { node -e "require('net').connect($1,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))"; }

if listening 10000 && listening 10001 && listening 10002; then
  echo "==> Storage ports 10000-10002 are in use; using the Azurite (or storage emulator) already running there"
else
  echo "==> Starting Azurite (data in .azurite/)"
  (cd azurite && [ -e node_modules/azurite/package.json ] || npm ci --no-audit --no-fund --loglevel=error)
  mkdir -p .azurite
  azurite/start.sh --location "$root/.azurite" > .azurite/azurite.log 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do listening 10002 && break; sleep 0.2; done
  listening 10002 || fail "Azurite did not start; see .azurite/azurite.log"
fi

echo "==> Building"
dotnet build src/FuncTasks --nologo -v quiet -clp:ErrorsOnly

echo "==> Starting the Functions host on port $port"
(cd src/FuncTasks/bin/Debug/net10.0 && exec func start --port "$port") &
pids+=($!)

for _ in $(seq 1 300); do
  if node -e "fetch('http://localhost:$port/api/health').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"; then
    echo
    echo "FuncTasks is running: http://localhost:$port/api   (health: http://localhost:$port/api/health; Ctrl+C stops it)"
    wait "${pids[-1]}"
    exit $?
  fi
  kill -0 "${pids[-1]}" 2>/dev/null || fail "the Functions host exited before /api/health answered (see its output above)."
  sleep 0.5
done
fail "the Functions host did not answer /api/health within 150 s."
