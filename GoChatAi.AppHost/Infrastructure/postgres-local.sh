# Runs a local PostgreSQL server for the AppHost's local mode, as an unprivileged user.
# Given by the AppHost: PG_BIN (folder of initdb/postgres), PGDATA, PGPORT, PG_SUPERUSER_PASSWORD.
set -eu

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    pwfile="$(mktemp)"
    printf '%s' "$PG_SUPERUSER_PASSWORD" > "$pwfile"
    "$PG_BIN/initdb" -D "$PGDATA" -U postgres --pwfile="$pwfile" --auth=scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 --no-instructions > /dev/null
    rm -f "$pwfile"
fi
unset PG_SUPERUSER_PASSWORD

# A server left behind by an AppHost that was killed outright would keep the data folder locked.
if [ -f "$PGDATA/postmaster.pid" ]; then
    "$PG_BIN/pg_ctl" -D "$PGDATA" stop -m immediate > /dev/null 2>&1 || true
fi

"$PG_BIN/postgres" -D "$PGDATA" -p "$PGPORT" -c listen_addresses=127.0.0.1 -c unix_socket_directories= &
server=$!

# The orchestrator stops resources with SIGTERM, which PostgreSQL takes as a "smart" shutdown that waits
# for every pooled client to leave; a fast shutdown (SIGINT) is what stopping a dev server should mean.
trap 'kill -INT "$server" 2>/dev/null' TERM INT
wait "$server" || true
wait "$server" 2>/dev/null || true
