# Shared by deploy/local-cluster/up and down: where the cluster lives and which ports it uses.
# CIRCLES_CLUSTER_DIR    its folder (default: BUILD/local-cluster)
# CIRCLES_CLUSTER_PORT   the load balancer's port (default 18080); node1 is +1, node2 +2,
#                        Redis +3, PostgreSQL +4
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib/common.sh"

cluster_dir="${CIRCLES_CLUSTER_DIR:-$CIRCLES_BUILD/local-cluster}"
lb_port="${CIRCLES_CLUSTER_PORT:-18080}"
node1_port=$((lb_port + 1))
node2_port=$((lb_port + 2))
redis_port=$((lb_port + 3))
pg_port=$((lb_port + 4))

# PostgreSQL and its tools refuse to run as root: run them as nobody then.
pg_user() { if [ "$(id -u)" -eq 0 ]; then echo nobody; else id -un; fi; }
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
    else "$@"; fi
}
pg_bindir() {
    if [ -n "${CIRCLES_PG_BINDIR:-}" ]; then echo "$CIRCLES_PG_BINDIR"; return; fi
    local d
    for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && echo "$d"; done | sort -V | tail -1
}

# The pid in FILE, if that process is alive.
live_pid() {
    local pid
    [ -f "$1" ] || return 1
    pid="$(head -1 "$1")"
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}
