# Shared by scripts/run and scripts/test: a virtualenv with Lasso's pinned dependencies,
# and local PostgreSQL, Redis and Chromium installed and started when missing.

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_venv() {
  local python="${PYTHON:-python3.11}"
  command -v "$python" >/dev/null || python=python3
  local stamp=".venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)"
  if [ ! -f "$stamp" ]; then
    [ -x .venv/bin/python ] || "$python" -m venv .venv
    .venv/bin/pip install -q --upgrade pip
    .venv/bin/pip install -q ".[dev]"
    rm -f .venv/.installed-*
    touch "$stamp"
  fi
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
  if [ ! -x .tools/prism/node_modules/.bin/prism ]; then
    if ! command -v npm >/dev/null; then apt_install nodejs npm; fi
    npm install --silent --no-audit --no-fund --prefix .tools/prism @stoplight/prism-cli@5 >/dev/null
  fi
}
