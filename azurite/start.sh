#!/usr/bin/env bash
# Starts the pinned Azurite (blob, queue, table) in the foreground, so whoever starts it owns its PID.
#   azurite/start.sh [--memory | --location DIR] [--blob-port N] [--queue-port N] [--table-port N] [--access-log]
# --access-log: print one line per request on stdout (Azurite's access log; silent otherwise).
# Defaults: data on disk under .azurite/ at the repository root, ports 10000-10002 on 127.0.0.1.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
blob_port=10000 queue_port=10001 table_port=10002
storage=(--location "$here/../.azurite")
quiet=(--silent)

while [ $# -gt 0 ]; do
  case "$1" in
    --memory) storage=(--inMemoryPersistence) ;;
    --location) storage=(--location "$2"); shift ;;
    --blob-port) blob_port="$2"; shift ;;
    --queue-port) queue_port="$2"; shift ;;
    --table-port) table_port="$2"; shift ;;
    --access-log) quiet=() ;;
    *) echo "azurite/start.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done

if [ ! -e "$here/node_modules/azurite/package.json" ]; then
  echo "azurite/start.sh: installing the pinned Azurite (npm ci in azurite/)" >&2
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) >&2
fi

# --skipApiVersionCheck: Azure.Storage.Blobs 12.30 sends an API version Azurite 3.35 does not know.
# --disableTelemetry: otherwise Azurite tries to reach Application Insights.
exec node "$here/node_modules/azurite/dist/src/azurite.js" \
  --blobHost 127.0.0.1 --blobPort "$blob_port" \
  --queueHost 127.0.0.1 --queuePort "$queue_port" \
  --tableHost 127.0.0.1 --tablePort "$table_port" \
  --skipApiVersionCheck --disableTelemetry --loose ${quiet[@]+"${quiet[@]}"} \
  "${storage[@]}"
