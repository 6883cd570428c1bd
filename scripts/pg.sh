#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests and benches (Debian's `postgresql` package): a fresh
# cluster in a directory, listening on a Unix socket only (no TCP port), trusting local
# connections, without fsync. Stopped by `stop`, or when the process given to `start` ends.
#
#   scripts/pg.sh start DIR [WATCH_PID]   prints the socket directory; the URL of a database
#                                         NAME is postgres://postgres@localhost/NAME?host=SOCKET
#   scripts/pg.sh stop DIR
set -euo pipefail
cmd="${1:?start|stop}" dir="${2:?directory}"
bin="$(pg_config --bindir 2> /dev/null || ls -d /usr/lib/postgresql/*/bin | tail -1)"
# PostgreSQL refuses to run as root: then the cluster belongs to the `postgres` account.
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$cmd" in
  start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 > "$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner mkdir -p "$dir/socket"
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -s \
      -o "-k $dir/socket -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      start || { cat "$dir/server.log" >&2; exit 1; }
    if [ -n "${3:-}" ]; then
      watch="$3"
      ( while kill -0 "$watch" 2> /dev/null; do sleep 1; done
        as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -s stop > /dev/null 2>&1; rm -rf "$dir" ) > /dev/null 2>&1 &
    fi
    echo "$dir/socket"
    ;;
  stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -s stop > /dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start|stop DIR [WATCH_PID]" >&2; exit 2 ;;
esac
