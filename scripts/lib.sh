# Shared by scripts/run and scripts/test: a virtualenv with Lasso's pinned dependencies,
# and local PostgreSQL, Redis and Chromium installed and started when missing.
#
# Every tool fetched from a registry has an exact version and is kept per machine under
# $LASSO_CACHE (default ~/.cache/lasso), outside the clone: a fresh clone on a machine that
# already has them needs no network, and a registry that does not answer stops the run with
# one line saying which, instead of hanging.

LASSO_CACHE="${LASSO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lasso}"
PRISM_VERSION="5.16.0"
# How long one registry install may take before we call the registry unreachable.
REGISTRY_TIMEOUT_SECONDS="${REGISTRY_TIMEOUT_SECONDS:-600}"

registry_failed() {
  # $1: what was being installed, $2: from where, $3: the log with the details.
  echo "error: could not install $1: $2 did not answer within ${REGISTRY_TIMEOUT_SECONDS}s or refused it (details: $3)" >&2
  exit 1
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_venv() {
  # Keyed by the pins in pyproject.toml: a fresh clone links .venv to the virtualenv already
  # built for the same pins on this machine. A .venv directory of a developer's own is kept
  # and brought up to date in place.
  local python="${PYTHON:-python3.11}"
  command -v "$python" >/dev/null || python=python3
  local key
  key=$(sha1sum pyproject.toml | cut -c1-12)
  [ -f ".venv/.installed-$key" ] && return 0
  local target=.venv
  if [ ! -e .venv ] || [ -L .venv ]; then
    target="$LASSO_CACHE/venv-$key"
    mkdir -p "$LASSO_CACHE"
  fi
  if [ ! -f "$target/.installed-$key" ]; then
    # A build that stopped halfway is started over (its stamp is written last).
    if [ "$target" != .venv ]; then rm -rf "$target"; fi
    [ -x "$target/bin/python" ] || "$python" -m venv "$target"
    local log="$LASSO_CACHE/pip-install.log"
    mkdir -p "$LASSO_CACHE"
    # pip keeps the wheels it downloads in its own cache (~/.cache/pip).
    if ! timeout "$REGISTRY_TIMEOUT_SECONDS" "$target/bin/pip" install -q --timeout 30 --retries 2 \
      ".[dev]" >"$log" 2>&1; then
      registry_failed "the Python packages pinned in pyproject.toml" "the Python package index" "$log"
    fi
    rm -f "$target"/.installed-*
    touch "$target/.installed-$key"
  fi
  if [ "$target" != .venv ]; then ln -sfn "$target" .venv; fi
}

ensure_postgres() {
  # The client alone (psql, pg_isready) is not enough: look for the server binaries.
  if ! command -v pg_ctlcluster >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    apt_install postgresql postgresql-contrib
  fi
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    local version
    version=$(ls -d /usr/lib/postgresql/*/bin/postgres | sort -V | tail -n 1 | cut -d/ -f5)
    if [ ! -d "/etc/postgresql/$version/main" ]; then as_root pg_createcluster "$version" main; fi
    as_root pg_ctlcluster "$version" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  as_root su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='lasso'\"" | grep -q 1 ||
    as_root su postgres -c "psql -qc \"CREATE ROLE lasso LOGIN SUPERUSER PASSWORD 'lasso'\""
  as_root su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='lasso'\"" | grep -q 1 ||
    as_root su postgres -c "createdb -O lasso lasso"
}

ensure_redis() {
  if ! command -v redis-server >/dev/null; then apt_install redis-server; fi
  if ! redis-cli -p 6379 ping >/dev/null 2>&1; then
    redis-server --port 6379 --daemonize yes --save '' --appendonly no \
      --logfile /tmp/lasso-redis.log
    for _ in $(seq 1 30); do redis-cli -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
  fi
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ]; then apt_install chromium fonts-dejavu-core; fi
}

ensure_prism() {
  # Prism serves Twilio's own OpenAPI spec so the real SDK can be checked offline.
  local dir="$LASSO_CACHE/prism-$PRISM_VERSION"
  if [ ! -x "$dir/node_modules/.bin/prism" ]; then
    if ! command -v npm >/dev/null; then apt_install nodejs npm; fi
    mkdir -p "$LASSO_CACHE"
    local partial="$dir.partial.$$" log="$LASSO_CACHE/prism-install.log"
    if ! timeout "$REGISTRY_TIMEOUT_SECONDS" npm install --silent --no-audit --no-fund \
      --fetch-timeout=30000 --fetch-retries=1 --prefix "$partial" \
      "@stoplight/prism-cli@$PRISM_VERSION" >"$log" 2>&1; then
      rm -rf "$partial"
      registry_failed "Prism $PRISM_VERSION (@stoplight/prism-cli)" "the npm registry" "$log"
    fi
    # Moved into place whole, so an interrupted install never looks finished.
    rm -rf "$dir" && mv "$partial" "$dir"
  fi
  export LASSO_PRISM="$dir/node_modules/.bin/prism"
}
