#!/bin/sh
# Writes the one user PgBouncer lets in (the app's, with its password from the environment) and starts it.
set -eu
: "${POSTGRES_USER:?}" "${POSTGRES_PASSWORD:?}"
umask 077
userlist=/tmp/userlist.txt
printf '"%s" "%s"\n' "$POSTGRES_USER" "$POSTGRES_PASSWORD" > "$userlist"
exec pgbouncer /etc/pgbouncer/pgbouncer.ini
