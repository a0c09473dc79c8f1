#!/usr/bin/env bash
# The test command of README's Quick start: installs and starts what the tests need on a Debian machine, then runs
# every test of the solution. Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Failover").
#   PostgreSQL server binaries   the tests start private clusters (embedded, as the user postgres)
#   RabbitMQ                     the reporting worker's bus (MassTransit)
#   python3-aiosmtpd             the SMTP sink the report e-mail tests deliver to
#   Chromium                     the weekly report's charts and the cost explorer are checked in a real browser
#   Node.js and npm              the build bundles the cost explorer's script from npm (usually already there)
#   prometheus (promtool)        checks the /metrics exposition
#   kubectl (kubernetes-client)  renders infra/k8s with kustomize
# Only a Docker engine is not installed: the tests that need one skip and say so.
set -uo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

need_apt=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
command -v runuser >/dev/null 2>&1 || need_apt+=(util-linux)
command -v rabbitmq-server >/dev/null 2>&1 || need_apt+=(rabbitmq-server)
python3 -c 'import aiosmtpd' >/dev/null 2>&1 || /usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || need_apt+=(python3-aiosmtpd)
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v npm >/dev/null 2>&1 || need_apt+=(nodejs npm)
command -v promtool >/dev/null 2>&1 || need_apt+=(prometheus)
command -v kubectl >/dev/null 2>&1 || need_apt+=(kubernetes-client)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]}"
  as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null || {
    echo "apt-get install ${need_apt[*]} failed"; exit 1; }
fi
# Debian starts the Prometheus server it installs; the tests need only promtool.
if [[ " ${need_apt[*]} " == *" prometheus "* ]]; then as_root pkill -x prometheus >/dev/null 2>&1 || true; fi
# The tests start private PostgreSQL clusters as this user (initdb refuses to run as root).
id postgres >/dev/null 2>&1 || as_root useradd --system --home /var/lib/postgresql --shell /bin/bash postgres
if ! (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; then
  log "starting rabbitmq-server"
  as_root rabbitmq-server -detached >/dev/null 2>&1 || true
  for _ in $(seq 1 60); do (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null && break; sleep 1; done
fi

# A test that waits for ever (a request that never arrives) is stopped after 10 minutes and named, instead of
# holding the run until CI's own limit.
log "dotnet test pipeline.sln -c Release --blame-hang-timeout 10m --blame-hang-dump-type none $*"
exec dotnet test pipeline.sln -c Release --blame-hang-timeout 10m --blame-hang-dump-type none "$@"
