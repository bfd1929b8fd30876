#!/usr/bin/env bash
# Prepare this host for the code now checked out in /srv/casework (docs/deploy.md):
#   deploy/release.sh              every host: dependencies, translations, static files,
#                                  Django's deployment checks
#   deploy/release.sh --migrate    the same, then migrate: on ONE host, once a release,
#                                  before the services restart on the new code, as
#                                  DATABASE_OWNER_URL's role when it is set
# Run as the deploy user (it writes .venv/, locale/*.mo and staticfiles/), with the
# production environment: /etc/casework/casework.env, or CASEWORK_ENV_FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
ENV_FILE="${CASEWORK_ENV_FILE:-/etc/casework/casework.env}"
if [ -r "$ENV_FILE" ]; then set -a; . "$ENV_FILE"; set +a; fi

test -x .venv/bin/python || python3.11 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
.venv/bin/python manage.py compile_translations
.venv/bin/python manage.py collectstatic --no-input -v 0
.venv/bin/python manage.py check --deploy --fail-level WARNING
if [ "${1:-}" = "--migrate" ]; then
  # as the role that owns the tables (docs/deploy.md, "Database roles"); the application's
  # own role in DATABASE_URL may not alter them
  DATABASE_URL="${DATABASE_OWNER_URL:-$DATABASE_URL}" .venv/bin/python manage.py migrate --no-input
fi
echo "release ready; now: systemctl reload casework-web; systemctl restart 'casework-worker@*' (and casework-beat where it runs)"
