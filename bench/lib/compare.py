"""bench/compare: Circles against the Socket.IO peer, one server at a time, same generator.

Run through bench/compare (it builds, installs what is missing and raises the descriptor limit
first). Standard library only. Every figure comes from `circles-bench --json`; nothing here
measures time itself except the wall clock of the whole run.

Scenarios, for each server in turn (a fresh process per server):
  idle    N clients connect, authenticate and join, then sit idle: server RSS per client.
  fixed   1,200 clients in rooms of 6 sending 20,000 deliveries/s in all: the latency (three
          runs; the figure is the run with the median p99).
  sweep   for each connection count, offered load rising step by step until p99 passes
          100 ms (or messages are lost, or the server falls behind the offered load). The
          first (smallest) connection count goes on past 100 ms until the server falls
          behind: that series finds the saturation throughput.
The saturation throughput of a server is the most it sustained in any sweep step: deliveries
counted over the window plus the time the server took to drain its backlog afterwards, so a
server that falls behind is credited only what it actually delivered per second.
"""

import argparse
import datetime
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(os.environ.get("CIRCLES_ROOT", Path(__file__).resolve().parents[2]))
BUILD = Path(os.environ.get("CIRCLES_BUILD", ROOT / "build"))
CIRCLES = BUILD / "bin" / "circles"
BENCH = BUILD / "bin" / "circles-bench"
PEER = ROOT / "bench" / "peers" / "socketio"
DEFAULT_POLICY = ROOT / "moderation" / "policies" / "default.toml"

ROOM_SIZE = 6
FIXED_OFFERED = 20_000  # deliveries per second, for the latency comparison
FIXED_CONNECTIONS = 1_200
FIXED_REPEATS = 3  # the fixed-load figure is the median run's
P99_STOP_MS = 100.0
BEHIND = 0.8  # a step whose sustained rate is below this share of the offered load is the last
GENERATOR_FULL = 0.9  # the generator's threads this busy: it, not only the server, set the pace
THROUGHPUT_TARGET = 3  # the saturation Circles aims at, as a multiple of the peer's


class Scale:
    """How long and how large: the full comparison, or --quick (under five minutes)."""

    def __init__(self, quick):
        self.quick = quick
        if quick:
            self.idle_connections = 10_000
            self.sweep_connections = [1_000, 2_000]
            self.fixed_duration, self.fixed_warmup = 8, 2
            self.step_duration, self.step_warmup = 3, 1
            self.first_step, self.step_factor, self.max_steps = 10_000, 2.0, 5
            self.drain, self.drain_max = 3, 15
        else:
            self.idle_connections = 10_000
            self.sweep_connections = [1_000, 2_000, 5_000, 10_000]
            self.fixed_duration, self.fixed_warmup = 20, 3
            self.step_duration, self.step_warmup = 10, 2
            self.first_step, self.step_factor, self.max_steps = 10_000, 1.5, 12
            self.drain, self.drain_max = 5, 60
        self.fixture_clients = max([self.idle_connections, FIXED_CONNECTIONS] +
                                   self.sweep_connections)


def say(text):
    print(f"==> {text}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(port, proc, what, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode} while starting")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer /healthz within {timeout} s")


def machine_busy_seconds():
    """CPU seconds all processes have used since boot (user, nice, system, irq, softirq)."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(x) for x in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def process_cpu_seconds(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    import resource
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def load_average():
    try:
        return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
    except OSError:
        return None


class Pinning:
    """Servers on one half of the cores, the generator on the other: they do not take CPU
    from each other, and both servers get the same cores. Off with --no-pin or one core."""

    def __init__(self, enabled):
        cpus = sorted(os.sched_getaffinity(0))
        self.enabled = enabled and len(cpus) >= 2 and shutil.which("taskset") is not None
        if self.enabled:
            half = len(cpus) // 2
            self.generator = cpus[:half]
            self.server = cpus[half:]
        else:
            self.generator = self.server = cpus

    def wrap(self, cmd, cpus):
        if not self.enabled:
            return cmd
        return ["taskset", "-c", ",".join(str(c) for c in cpus)] + cmd

    def describe(self):
        if not self.enabled:
            return f"not pinned: servers and generator share CPUs {self.server}"
        return f"servers on CPU {self.server}, generator on CPU {self.generator}"


class Fixture:
    """Users, rooms of 6 and session tokens for the Circles runs, made once and reused
    (tokens last 24 h). A pristine copy of the database is restored before each server
    start, so every Circles run starts from the same state."""

    def __init__(self, out, clients, fresh):
        self.dir = out / "fixture"
        self.pristine = self.dir / "pristine"
        self.tokens = self.dir / "tokens.txt"
        self.clients = clients
        self.fresh = fresh

    def usable(self):
        if self.fresh or not self.tokens.exists() or not (self.pristine / "circles.db").exists():
            return False
        if time.time() - self.tokens.stat().st_mtime > 20 * 3600:
            return False
        lines = [l for l in self.tokens.read_text().splitlines() if l and not l.startswith("#")]
        return len(lines) >= self.clients

    def ensure(self):
        if self.usable():
            say(f"reusing the fixture in {rel(self.dir)}")
            return
        rooms = -(-self.clients // ROOM_SIZE)
        say(f"creating the fixture: {rooms} rooms of {ROOM_SIZE}, {rooms * ROOM_SIZE} tokens "
            "(no passwords; fsync-bound, about a minute per 10,000 clients)")
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        subprocess.run([str(CIRCLES), "admin", "bench-fixture", "--rooms", str(rooms),
                        "--room-size", str(ROOM_SIZE), "--tokens-out", str(self.tokens),
                        "--data", str(self.pristine)], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

    def restore(self, data_dir):
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.copytree(self.pristine, data_dir)
        os.chmod(data_dir, 0o700)
        # The copy is some 100 MB of dirty page cache: written back in the kernel's own time
        # (half a minute on), it would compete with the store's fsyncs in the first load runs.
        for f in data_dir.iterdir():
            fd = os.open(f, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def bench_policy(path):
    """The default school policy with only its flood limits raised: every other rule (and
    all of moderation) stays on. 10,000 messages per user and 100,000 per room per second."""
    policy = DEFAULT_POLICY.read_text()
    for old, new in [("user_messages = 8\n", "user_messages = 10000\n"),
                     ("user_window_seconds = 10\n", "user_window_seconds = 1\n"),
                     ("room_messages = 30\n", "room_messages = 100000\n"),
                     ("room_window_seconds = 10\n", "room_window_seconds = 1\n")]:
        if old not in policy:
            raise RuntimeError(f"{DEFAULT_POLICY} no longer holds '{old.strip()}'")
        policy = policy.replace(old, new)
    path.write_text(policy)


class Server:
    name = ""
    label = ""

    def __init__(self, out, pinning):
        self.out = out
        self.pinning = pinning
        self.proc = None
        self.log = None

    @property
    def pid(self):
        return self.proc.pid

    def stop(self):
        if not self.proc:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None
        if self.log:
            self.log.close()
            self.log = None

    def _start(self, cmd, cwd=None):
        logs = self.out / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.log = open(logs / f"{self.name}.log", "w")
        self.proc = subprocess.Popen(self.pinning.wrap(cmd, self.pinning.server), cwd=cwd,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        wait_healthy(self.port, self.proc, self.label)


class CirclesServer(Server):
    name = "circles"
    label = "Circles"

    def __init__(self, out, pinning, fixture):
        super().__init__(out, pinning)
        self.fixture = fixture

    def start(self):
        self.port = free_port()
        work = self.out / "circles"
        work.mkdir(parents=True, exist_ok=True)
        data = work / "data"
        self.fixture.restore(data)
        bench_policy(work / "policy.toml")
        config = work / "circles.toml"
        # Defaults everywhere (SQLite store, synchronous=FULL, local bus, moderation with the
        # default policy), except: the rate limits, one I/O thread per server core, and rooms
        # always live (the fixture's rooms have no facilitator to open a session).
        config.write_text(
            f'listen = "127.0.0.1:{self.port}"\n'
            f'data_dir = "{data}"\n'
            'policy_file = "policy.toml"\n'
            f"threads = {len(self.pinning.server)}\n"
            "facilitated_sessions = false\n"
            "[limits]\n"
            "send_rate_per_second = 10000.0\nsend_burst = 10000.0\n"
            "frame_rate_per_second = 10000.0\nframe_burst = 10000.0\n")
        self._start([str(CIRCLES), "serve", "--config", str(config)])
        self.url = f"ws://127.0.0.1:{self.port}/ws"

    def bench_args(self):
        return ["--protocol", "circles", "--url", self.url, "--tokens", str(self.fixture.tokens)]


class PeerServer(Server):
    name = "socketio"
    label = "Socket.IO"

    def start(self):
        self.port = free_port()
        self._start(["node", "server.js", "--port", str(self.port)], cwd=PEER)
        self.url = f"ws://127.0.0.1:{self.port}"

    def bench_args(self):
        return ["--protocol", "socketio", "--url", self.url, "--room-size", str(ROOM_SIZE)]


def rel(p):
    try:
        return str(Path(p).relative_to(ROOT))
    except ValueError:
        return str(p)


class Runner:
    def __init__(self, out, scale, pinning):
        self.out = out
        self.scale = scale
        self.pinning = pinning
        self.runs = out / "runs"
        self.runs.mkdir(parents=True, exist_ok=True)

    def bench(self, server, tag, connections, rate, duration, warmup, settle=0.5):
        s = self.scale
        cmd = [str(BENCH)] + server.bench_args() + [
            "--connections", str(connections), "--rate", f"{rate:.6g}",
            "--duration", str(duration), "--warmup", str(warmup), "--settle", str(settle),
            "--drain", str(s.drain), "--drain-max", str(s.drain_max),
            "--threads", str(len(self.pinning.generator)),
            "--server-pid", str(server.pid), "--json", "--no-progress"]
        timeout = 60 + 60 + warmup + duration + s.drain_max + connections / 100
        # What else ran meanwhile: the machine's CPU time, less the server's and the
        # generator's, over the run's wall time (in cores).
        wall0, busy0 = time.monotonic(), machine_busy_seconds()
        server0, gen0 = process_cpu_seconds(server.pid), children_cpu_seconds()
        done = subprocess.run(self.pinning.wrap(cmd, self.pinning.generator), timeout=timeout,
                              capture_output=True, text=True)
        wall = time.monotonic() - wall0
        server_cpu = process_cpu_seconds(server.pid) - server0
        generator_cpu = children_cpu_seconds() - gen0
        others = max(0.0, machine_busy_seconds() - busy0 - server_cpu - generator_cpu)
        if done.returncode not in (0, 1):
            raise RuntimeError(f"circles-bench failed ({done.returncode}): {done.stderr.strip()}")
        report = json.loads(done.stdout)
        report["compare"] = {"wall_s": round(wall, 2),
                             "server_cores": round(server_cpu / wall, 3),
                             "generator_cores": round(generator_cpu / wall, 3),
                             "other_cores": round(others / wall, 3)}
        (self.runs / f"{server.name}-{tag}.json").write_text(json.dumps(report, indent=1))
        return report

    def idle(self, server):
        n = self.scale.idle_connections
        say(f"{server.label}: {n} idle clients (memory per connection)")
        r = self.bench(server, f"idle-{n}", n, rate=0.001, duration=0.1, warmup=0, settle=2)
        return {"connections": r["connections"], "bytes_per_connection":
                r["bytes_per_connection"], "rss_before_bytes": r["rss_before_bytes"],
                "rss_connected_bytes": r["rss_connected_bytes"], "errors": r["errors"]}

    def fixed(self, server):
        """FIXED_REPEATS runs of the fixed load; the one with the median p99 is the figure (a
        single run's p99 here moves with the disk's and the host's hiccups), every run is
        kept under "runs"."""
        n = FIXED_CONNECTIONS
        rate = FIXED_OFFERED / (n * ROOM_SIZE)
        runs = []
        for i in range(FIXED_REPEATS):
            say(f"{server.label}: {n} clients, {FIXED_OFFERED} deliveries/s offered "
                f"({rate:.3g} msg/s per member) for {self.scale.fixed_duration} s, "
                f"run {i + 1} of {FIXED_REPEATS}")
            r = self.bench(server, f"fixed-{n}-{i + 1}", n, rate, self.scale.fixed_duration,
                           self.scale.fixed_warmup)
            p = summary(r)
            say(f"{server.label}: p50 {fmt_ms(p['p50_ms'])}, p99 {fmt_ms(p['p99_ms'])}, "
                f"server CPU {p['server_cpu_us_per_delivery'] or 0:.1f} us per delivery, "
                f"other processes {p['other_cores']:.2f} cores")
            runs.append(p)
        ranked = sorted(runs, key=lambda q: float("inf") if q["p99_ms"] is None else q["p99_ms"])
        median = dict(ranked[len(ranked) // 2])
        median["runs"] = runs
        median["lost"] = sum(q["lost"] for q in runs)
        median["duplicated"] = sum(q["duplicated"] for q in runs)
        return median

    def sweep(self, server):
        s = self.scale
        series = []
        for i, n in enumerate(s.sweep_connections):
            stop = falls_behind if i == 0 else last_step
            offered = s.first_step
            points = []
            for _ in range(s.max_steps):
                rate = offered / (n * ROOM_SIZE)
                r = self.bench(server, f"sweep-{n}-{int(offered)}", n, rate, s.step_duration,
                               s.step_warmup)
                p = summary(r)
                p["nominal_per_s"] = offered
                # The generator did not get its sends out on time (it, or the server's TCP
                # back-pressure, is the limit): higher steps would not offer more.
                p["generator_limited"] = p["offered_per_s"] < 0.9 * offered
                points.append(p)
                say(f"{server.label}: {n} clients, offered {p['offered_per_s']:,.0f}/s -> "
                    f"sustained {p['sustained_per_s']:,.0f}/s, p99 {fmt_ms(p['p99_ms'])}, "
                    f"lost {p['lost']}, generator lag p99 {fmt_ms(p['send_lag_p99_ms'])}, "
                    f"other processes {p['other_cores']:.2f} cores" +
                    (" (generator-limited)" if p["generator_limited"] else ""))
                if stop(p) or p["generator_limited"]:
                    break
                offered *= s.step_factor
            series.append({"connections": n, "points": points})
        return series


def summary(r):
    lat = r.get("latency_ms") or {}
    duration = r["duration_s"]
    # The window's CPU over what arrived in the window: past saturation the window's messages
    # keep arriving after it, and dividing by them would understate the cost per delivery.
    arrived = r.get("arrived_in_window")  # null, like server_cpu_s, without --server-pid
    return {
        "connections": r["connections"],
        "connections_requested": r["connections_requested"],
        "offered_per_s": r["expected"] / duration if duration else 0,
        "delivered_per_s": r["delivered_per_s"],
        "sustained_per_s": r["delivered"] / (duration + r["drain_s"]) if duration else 0,
        "p50_ms": lat.get("p50"),
        "p99_ms": lat.get("p99"),
        "p99_9_ms": lat.get("p99_9"),
        "max_ms": lat.get("max"),
        "ack_p99_ms": (r.get("ack_latency_ms") or {}).get("p99"),
        "send_lag_p99_ms": (r.get("send_lag_ms") or {}).get("p99"),
        "server_cpu_s": r.get("server_cpu_s"),
        "server_cpu_us_per_delivery": 1e6 * r["server_cpu_s"] / arrived
        if r.get("server_cpu_s") and arrived else None,
        "other_cores": r["compare"]["other_cores"],
        "generator_cores": r["compare"]["generator_cores"],
        # The generator's own CPU inside the window (user + kernel, all its threads): its
        # share of its threads' cores, and the kernel's part per message received.
        "generator_busy": (r["generator_user_s"] + r["generator_system_s"])
        / (duration * max(1, r["threads"]))
        if duration and r.get("generator_user_s") is not None else None,
        "generator_kernel_us_per_message": 1e6 * r["generator_system_s"] / arrived
        if r.get("generator_system_s") is not None and arrived else None,
        "generator_threads": r["threads"],
        "lost": r["lost"],
        "duplicated": r["duplicated"],
        "unexpected": r["unexpected"],
        "errors": r["errors"],
        "drain_complete": r["drain_complete"],
        "clean": r["clean"],
    }


def falls_behind(p):
    """Past saturation: the server delivers clearly less than is offered, loses messages,
    or could not take every client."""
    return (p["p99_ms"] is None or p["lost"] > 0 or not p["drain_complete"]
            or p["connections"] < p["connections_requested"]
            or p["sustained_per_s"] < BEHIND * p["offered_per_s"])


def last_step(p):
    return falls_behind(p) or p["p99_ms"] > P99_STOP_MS


def saturation(series):
    best = None
    for s in series:
        for p in s["points"]:
            if best is None or p["sustained_per_s"] > best["sustained_per_s"]:
                best = dict(p, connections=s["connections"])
    return best


def fmt_ms(v):
    return "-" if v is None else f"{v:.1f} ms"


def ratio(a, b):
    return None if not a or not b else a / b


def totals(result, key):
    runs = [result["fixed"]] + [p for s in result["sweep"] for p in s["points"]]
    return sum(p[key] for p in runs)


def plot(out, results, scale):
    """sweep.png: p99 latency and sustained deliveries/s against the offered load, one line
    per server and connection count."""
    data = out / "plot"
    data.mkdir(exist_ok=True)
    lines_lat, lines_thr = [], []
    colors = {"circles": ["#08306b", "#2171b5", "#6baed6", "#9ecae1"],
              "socketio": ["#7f2704", "#d94801", "#fd8d3c", "#fdae6b"]}
    for name, res in results.items():
        for i, s in enumerate(res["sweep"]):
            f = data / f"{name}-{s['connections']}.dat"
            f.write_text("".join(f"{p['offered_per_s']:.0f} {p['p99_ms'] or 0:.3f} "
                                 f"{p['sustained_per_s']:.0f}\n" for p in s["points"]))
            color = colors[name][i % len(colors[name])]
            dash = "1" if name == "circles" else "2"
            title = f"{res['label']} {s['connections']:,} clients"
            style = f"with linespoints lw 2 pt 7 ps 0.8 lc rgb '{color}' dt {dash}"
            lines_lat.append(f"'{f}' using 1:2 {style} title '{title}'")
            lines_thr.append(f"'{f}' using 1:3 {style} title '{title}'")
    png = out / "sweep.png"
    quick = " (--quick)" if scale.quick else ""
    script = f"""
set terminal pngcairo size 1400,560 font 'DejaVu Sans,10'
set output '{png}'
set multiplot layout 1,2 title 'circles-bench, rooms of {ROOM_SIZE}{quick}'
set logscale x
set grid
set key top left
set xlabel 'offered load (deliveries/s)'
set format x '%.0s%c'
set logscale y
set ylabel 'p99 end-to-end latency (ms)'
set title 'latency'
set arrow from graph 0, first {P99_STOP_MS} to graph 1, first {P99_STOP_MS} nohead dt 3 lc rgb '#888888'
set arrow from graph 0, first 20 to graph 1, first 20 nohead dt 3 lc rgb '#bbbbbb'
plot {', '.join(lines_lat)}
unset arrow
unset logscale y
set ylabel 'sustained deliveries/s'
set format y '%.0s%c'
set title 'throughput'
set key top left
plot x with lines lc rgb '#999999' dt 3 title 'offered', {', '.join(lines_thr)}
unset multiplot
"""
    (data / "sweep.gp").write_text(script)
    if shutil.which("gnuplot") is None:
        say("gnuplot not found: no PNG (the data is in plot/)")
        return None
    subprocess.run(["gnuplot", str(data / "sweep.gp")], check=True)
    return png


def print_table(results, ratios, scale):
    c, p = results["circles"], results["socketio"]
    cs, ps = c["saturation"], p["saturation"]

    def n(v, f="{:,.0f}"):
        return "-" if v is None else f.format(v)

    rows = [
        ("throughput at saturation (deliveries/s)", n(cs["sustained_per_s"]),
         n(ps["sustained_per_s"]), n(ratios["throughput_ratio"], "{:.2f}x")),
        (f"p99 latency at {FIXED_OFFERED:,} deliveries/s (ms)", n(c["fixed"]["p99_ms"], "{:.1f}"),
         n(p["fixed"]["p99_ms"], "{:.1f}"), n(ratios["p99_ratio"], "{:.2f}x")),
        (f"  p50 (ms)", n(c["fixed"]["p50_ms"], "{:.1f}"), n(p["fixed"]["p50_ms"], "{:.1f}"),
         n(ratio(c["fixed"]["p50_ms"], p["fixed"]["p50_ms"]), "{:.2f}x")),
        (f"server CPU per delivery at {FIXED_OFFERED:,}/s (us)",
         n(c["fixed"]["server_cpu_us_per_delivery"], "{:.1f}"),
         n(p["fixed"]["server_cpu_us_per_delivery"], "{:.1f}"),
         n(ratio(c["fixed"]["server_cpu_us_per_delivery"],
                 p["fixed"]["server_cpu_us_per_delivery"]), "{:.2f}x")),
        (f"memory per idle connection at {scale.idle_connections:,} (KiB)",
         n(c["idle"]["bytes_per_connection"] / 1024 if c["idle"]["bytes_per_connection"] else None,
           "{:.1f}"),
         n(p["idle"]["bytes_per_connection"] / 1024 if p["idle"]["bytes_per_connection"] else None,
           "{:.1f}"), n(ratios["memory_ratio"], "{:.2f}x")),
        ("lost / duplicated, all load runs", f"{c['lost']} / {c['duplicated']}",
         f"{p['lost']} / {p['duplicated']}", ""),
    ]
    print()
    print(f"{'':52} {'Circles':>12} {'Socket.IO':>12} {'Circles/peer':>13}")
    for what, a, b, r in rows:
        print(f"{what:52} {a:>12} {b:>12} {r:>13}")
    print()
    print(f"saturation: Circles at {cs['connections']:,} clients, offered "
          f"{cs['offered_per_s']:,.0f}/s; Socket.IO at {ps['connections']:,} clients, offered "
          f"{ps['offered_per_s']:,.0f}/s")
    for res, sat in ((c, cs), (p, ps)):
        busy, kernel = sat.get("generator_busy"), sat.get("generator_kernel_us_per_message")
        if busy is None or not kernel:
            continue
        threads = sat["generator_threads"]
        cap = threads * 1e6 / kernel
        print(f"{res['label']} at saturation: the generator's "
              f"{threads} {'thread' if threads == 1 else 'threads'} {busy:.0%} busy, its kernel "
              f"{kernel:.2f} us per message received, which alone caps what it can receive at "
              f"{cap:,.0f}/s" +
              (" -- the generator set the pace as much as the server" if busy >= GENERATOR_FULL
               else ""))
        if res is c and ps["sustained_per_s"]:
            target = THROUGHPUT_TARGET * ps["sustained_per_s"]
            if cap < target:
                print(f"  {THROUGHPUT_TARGET:g}x the peer's saturation would be {target:,.0f}/s: "
                      "more than this generator can receive on its cores, whatever the server")
    for res in (c, p):
        if any(x.get("generator_limited") for s in res["sweep"] for x in s["points"]):
            print(f"{res['label']}: the generator could not offer a step's load on time, so "
                  "its saturation figure is a lower bound")
    others = [q["other_cores"] for res in (c, p) for q in
              res["fixed"]["runs"] + [x for s in res["sweep"] for x in s["points"]]]
    print(f"other processes on the machine during the load runs: {max(others):.2f} cores at "
          f"most, {sum(others) / len(others):.2f} on average" +
          (" -- contended, not a quiet measurement" if max(others) > 0.1 else ""))
    print()


def machine():
    info = {"cpus": os.cpu_count(), "kernel": platform.release()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["memory_kib"] = int(line.split()[1])
    except OSError:
        pass
    try:
        rev = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain"],
                               capture_output=True, text=True).stdout.strip()
        info["commit"] = rev + ("+changes" if dirty else "")
    except OSError:
        pass
    try:
        node = subprocess.run(["node", "--version"], capture_output=True, text=True)
        info["node"] = node.stdout.strip()
    except OSError:
        pass
    return info


def main():
    ap = argparse.ArgumentParser(prog="bench/compare", description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="a short version (under five minutes)")
    ap.add_argument("--out", type=Path, default=BUILD / "bench-compare",
                    help="where results go (default: BUILD/bench-compare)")
    ap.add_argument("--no-pin", action="store_true", help="do not pin servers and generator")
    ap.add_argument("--fresh-fixture", action="store_true",
                    help="rebuild the users, rooms and tokens even if a usable set exists")
    args = ap.parse_args()

    for exe in (CIRCLES, BENCH):
        if not exe.exists():
            sys.exit(f"bench/compare: {rel(exe)} is missing; build first (scripts/build)")
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    scale = Scale(args.quick)
    pinning = Pinning(not args.no_pin)
    started = time.monotonic()
    info = machine()
    info["load_before"] = load_average()
    info["pinning"] = pinning.describe()
    info["started"] = datetime.datetime.now().isoformat(timespec="seconds")
    say(f"{info.get('cpu', '?')}, {info['cpus']} CPUs, load average {info['load_before']}; "
        f"{pinning.describe()}")
    if info["load_before"] and info["load_before"][0] > 0.5:
        say("the machine is busy: these figures are taken under contention")

    fixture = Fixture(out, scale.fixture_clients, args.fresh_fixture)
    fixture.ensure()
    runner = Runner(out, scale, pinning)

    results = {}
    for server in (CirclesServer(out, pinning, fixture), PeerServer(out, pinning)):
        say(f"starting {server.label}")
        server.start()
        try:
            res = {"label": server.label}
            res["idle"] = runner.idle(server)
            res["fixed"] = runner.fixed(server)
            res["sweep"] = runner.sweep(server)
            res["saturation"] = saturation(res["sweep"])
            res["lost"] = totals(res, "lost")
            res["duplicated"] = totals(res, "duplicated")
            results[server.name] = res
        finally:
            server.stop()

    c, p = results["circles"], results["socketio"]
    ratios = {
        "throughput_ratio": ratio(c["saturation"]["sustained_per_s"],
                                  p["saturation"]["sustained_per_s"]),
        "p99_ratio": ratio(c["fixed"]["p99_ms"], p["fixed"]["p99_ms"]),
        "memory_ratio": ratio(c["idle"]["bytes_per_connection"],
                              p["idle"]["bytes_per_connection"]),
    }
    png = plot(out, results, scale)
    info["load_after"] = load_average()
    info["wall_s"] = round(time.monotonic() - started, 1)
    (out / "results.json").write_text(json.dumps(
        {"machine": info, "quick": scale.quick, "ratios": ratios, "results": results}, indent=1))

    print_table(results, ratios, scale)
    say(f"results in {rel(out)}/results.json, runs in {rel(out)}/runs/" +
        (f", plot {rel(png)}" if png else ""))
    say(f"took {info['wall_s']:.0f} s; load average before {info['load_before']}, after "
        f"{info['load_after']}")
    final = {
        "throughput_ratio": round(ratios["throughput_ratio"], 3)
        if ratios["throughput_ratio"] else None,
        "p99_ratio": round(ratios["p99_ratio"], 3) if ratios["p99_ratio"] else None,
        "bytes_per_idle_connection": c["idle"]["bytes_per_connection"],
        "lost": c["lost"],
        "duplicated": c["duplicated"],
    }
    print(json.dumps(final))


if __name__ == "__main__":
    try:
        main()
    except (RuntimeError, subprocess.SubprocessError, OSError) as e:
        sys.exit(f"bench/compare: {e}")
