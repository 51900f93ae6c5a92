"""Start-up (issue 23): how long `collect-bot --help` and each command's `--help` take, how long
`serve` takes from launch until GET /healthz answers 200, and how much memory it holds then.

    python benchmarks/bench_startup.py [--runs 7] [--postgres URL] [--no-bytecode]

Every figure comes from fresh processes, `--runs` times each (best and median shown):

  * the floor: a bare interpreter (`python -c pass`) in the same environment, so that the ratios
    say what the bot adds whatever else the machine is running;
  * `collect-bot --help`, then `collect-bot COMMAND --help` for every command (the installed
    console script; `python -m wiring.cli` when there is none);
  * `collect-bot serve --http` on a SQLite file in a temporary folder, already migrated (`db
    upgrade`, not timed: the schema is current, as in production), on a free 127.0.0.1 port: from
    the launch to the first 200 from /healthz (asked every 5 ms), its VmRSS (/proc/PID/status) at
    that moment; then until an unsigned POST /slack/events is refused (401: the app is built; serve
    answers /healthz once the database has, and builds the app meanwhile), and its VmRSS 2 s after
    that, idle; then SIGTERM. Slack is never called:
    SLACK_API_URL names a closed port and the bot verifies its token on the first request only.
    One more launch on a fresh file shows the first start, which migrates.
  * before the timed launches on a database, one launch that is not judged: serve's first tick runs
    the scheduled jobs due by then (the morning's lists, after 17:30 the day's digest), and a
    restart later the same day finds them done. Without it the figures depended on the hour: the
    first timed launch ran them and its idle memory held what they used (a PostgreSQL serve at
    21:20 held 94.8 MB idle after them, 87.7 MB when restarted). Its figures are printed, not judged.
  * with --postgres URL (your own database, never `postgres` or a colleague's): `serve` on it too,
    after `collect-bot db upgrade`.

The project's modules are first compiled to bytecode (`compileall`, into their __pycache__ folders,
as `pip install` does for an installed package) and the processes may use it: what a deployed bot
pays. With --no-bytecode the environment is left as it is: where PYTHONDONTWRITEBYTECODE is set (as
on the team's shared machine) and no cache was written, every start compiles the project's 400
modules from source, about a quarter of serve's start-up.

Goals (the issue's): `--help` and every command's `--help` under 0.3 s; /healthz within 1 s of the
launch; idle RSS under 90 MB. Times are judged on the best run (the one least disturbed by other
work on the machine; the median is printed beside it), memory on the largest. Exit status 1 when a
goal is missed.
"""

from __future__ import annotations

import argparse
import compileall
import http.client
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT_PACKAGES = ("bot", "handlers", "schedules", "storage", "wiring")
HELP_GOAL_S = 0.3
HEALTHZ_GOAL_S = 1.0
RSS_GOAL_MB = 90.0
IDLE_WAIT_S = 2.0
BOT_ENV = {
    "SLACK_BOT_TOKEN": "xoxb-bench-startup",
    "SLACK_SIGNING_SECRET": "bench-startup-secret",
    "SLACK_API_URL": "http://127.0.0.1:9/api/",
}


LEFT_OUT = ["SLACK_", "COLLECT_", "DATABASE_URL"]


def clean_env(**extra: str) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith(tuple(LEFT_OUT))}
    return {**kept, **extra}


def compile_project() -> None:
    for package in PROJECT_PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1, force=False)
    LEFT_OUT.append("PYTHONDONTWRITEBYTECODE")


def collect_bot() -> list[str]:
    script = Path(sys.executable).parent / "collect-bot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "wiring.cli"]


@dataclass
class Timings:
    name: str
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    """User + system CPU seconds of each run: what the code costs, whatever else the machine runs."""

    @property
    def best(self) -> float:
        return min(self.seconds)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)

    def run(self, argv: Sequence[str], cwd: Path) -> None:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(argv, cwd=cwd, env=clean_env(), capture_output=True, timeout=120)
        self.seconds.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr.decode()[-500:]}")


def command_names() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from wiring.cli.main import _parser

    action = _parser()._subparsers._group_actions[0]  # type: ignore[union-attr]
    return sorted(action.choices)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    """User + system time the process has used so far (/proc/PID/stat, fields 14 and 15)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def refused_unsigned(port: int) -> bool:
    """True once Slack's endpoint answers an unsigned request with 401: the app is built (while
    serve starts, such a request waits for it)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("POST", "/slack/events", body=b"", headers={"Content-Length": "0"})
        return connection.getresponse().status == 401
    except OSError:
        return False
    finally:
        connection.close()


def healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


@dataclass
class Served:
    to_healthz: float
    cpu_to_healthz: float
    rss_answered: float
    rss_idle: float
    to_app: float
    """Launch to the app answering Slack's endpoint (not a goal: /healthz answers before, and
    Slack's requests that arrive meanwhile wait for the app)."""


def serve_once(database_url: str, folder: Path) -> Served:
    port = free_port()
    argv = [*collect_bot(), "serve", "--http", "--host", "127.0.0.1", "--port", str(port)]
    env = clean_env(DATABASE_URL=database_url, **BOT_ENV)
    log = (folder / "serve.log").open("ab")
    started = time.perf_counter()
    server = subprocess.Popen(argv, cwd=folder, env=env, stdout=log, stderr=log)
    try:
        while not healthy(port):
            if server.poll() is not None:
                raise SystemExit(f"serve stopped ({server.returncode}): see {folder / 'serve.log'}")
            if time.perf_counter() - started > 60:
                raise SystemExit("serve did not answer /healthz within 60 s")
            time.sleep(0.005)
        answered = time.perf_counter() - started
        cpu, rss_answered = cpu_seconds(server.pid), rss_mb(server.pid)
        if not refused_unsigned(port):
            raise SystemExit(f"serve did not refuse an unsigned request: see {folder / 'serve.log'}")
        to_app = time.perf_counter() - started
        time.sleep(IDLE_WAIT_S)
        return Served(answered, cpu, rss_answered, rss_mb(server.pid), to_app)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def upgrade(database_url: str, folder: Path) -> None:
    subprocess.run(
        [*collect_bot(), "db", "upgrade"],
        cwd=folder,
        env=clean_env(DATABASE_URL=database_url),
        check=True,
        capture_output=True,
        timeout=300,
    )


def machine() -> str:
    load = Path("/proc/loadavg").read_text().split()[:3]
    pressure = ""
    with_pressure = Path("/proc/pressure/cpu")
    if with_pressure.exists():
        some = with_pressure.read_text().splitlines()[0].split()
        pressure = f", CPU pressure {some[1]}"
    return f"load average {' '.join(load)} on {os.cpu_count()} CPUs{pressure}"


def report_serving(label: str, runs: list[Served], floor: float) -> tuple[bool, bool]:
    times = Timings(label, [run.to_healthz for run in runs], [run.cpu_to_healthz for run in runs])
    idle = max(run.rss_idle for run in runs)
    answered = max(run.rss_answered for run in runs)
    time_ok, rss_ok = times.best < HEALTHZ_GOAL_S, idle < RSS_GOAL_MB
    print(
        f"  {label}: launch to /healthz 200 best {times.best:.3f} s, median {times.median:.3f} s"
        f" ({times.best / floor:.1f}x the bare interpreter), CPU {times.median_cpu:.3f} s; RSS {answered:.1f} MB when it answered,"
        f" {idle:.1f} MB idle {IDLE_WAIT_S:.0f} s after the app answered (largest of {len(runs)})"
    )
    to_app = [run.to_app for run in runs]
    print(
        f"    the app answering Slack's endpoint (an unsigned request refused): best {min(to_app):.3f} s,"
        f" median {statistics.median(to_app):.3f} s after the launch (not a goal)"
    )
    print(
        f"    goal /healthz < {HEALTHZ_GOAL_S} s: {times.best / HEALTHZ_GOAL_S:.2f} of it, "
        f"{'PASS' if time_ok else 'FAIL'}; goal idle RSS < {RSS_GOAL_MB:.0f} MB:"
        f" {idle / RSS_GOAL_MB:.2f} of it, {'PASS' if rss_ok else 'FAIL'}"
    )
    return time_ok, rss_ok


def catch_up(database_url: str, folder: Path, label: str) -> None:
    """One launch, not judged: its first tick runs the jobs due by now, which the timed launches
    then find done, whatever the hour."""
    served = serve_once(database_url, folder)
    print(
        f"  serve, {label}, the day's first start (its first tick runs the jobs due by now):"
        f" /healthz after {served.to_healthz:.3f} s, RSS {served.rss_idle:.1f} MB idle (not a goal)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=7, help="launches of each (default 7)")
    parser.add_argument("--postgres", metavar="URL", help="also serve on this PostgreSQL database (your own)")
    parser.add_argument(
        "--no-bytecode",
        action="store_true",
        help="leave the bytecode cache and PYTHONDONTWRITEBYTECODE as they are",
    )
    args = parser.parse_args(argv)
    if not args.no_bytecode:
        compile_project()
    bytecode = (
        "as the environment leaves it" if args.no_bytecode else "the project's modules compiled to bytecode"
    )
    print(f"bench_startup: {args.runs} runs each, {bytecode}; {machine()}")
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench_startup_") as temporary:
        folder = Path(temporary)
        floor = Timings("bare interpreter")
        helps = {"--help": Timings("collect-bot --help")}
        for name in command_names():
            helps[name] = Timings(f"collect-bot {name} --help")
        for _ in range(args.runs):  # interleaved, so that a busy moment falls on all of them alike
            floor.run([sys.executable, "-c", "pass"], folder)
            for name, timings in helps.items():
                timings.run([*collect_bot(), *([] if name == "--help" else [name]), "--help"], folder)
        print(
            f"  floor: {floor.name} best {floor.best:.3f} s, median {floor.median:.3f} s,"
            f" CPU {floor.median_cpu:.3f} s"
        )
        for timings in helps.values():
            passed = timings.best < HELP_GOAL_S
            ok &= passed
            print(
                f"  {timings.name}: best {timings.best:.3f} s, median {timings.median:.3f} s,"
                f" CPU {timings.median_cpu:.3f} s;"
                f" {timings.best / floor.best:.1f}x the bare interpreter; goal < {HELP_GOAL_S} s:"
                f" {timings.best / HELP_GOAL_S:.2f} of it, {'PASS' if passed else 'FAIL'}"
            )

        fresh = folder / "fresh.db"
        first = serve_once(f"sqlite:///{fresh}", folder)
        print(
            f"  serve, SQLite, first start on a new file (it migrates): /healthz after {first.to_healthz:.3f} s,"
            f" RSS {first.rss_idle:.1f} MB idle (not a goal)"
        )
        current = folder / "current.db"
        upgrade(f"sqlite:///{current}", folder)
        catch_up(f"sqlite:///{current}", folder, "SQLite")
        runs = [serve_once(f"sqlite:///{current}", folder) for _ in range(args.runs)]
        ok &= all(report_serving("serve, SQLite, schema current", runs, floor.best))
        if args.postgres:
            upgrade(args.postgres, folder)
            catch_up(args.postgres, folder, "PostgreSQL")
            runs = [serve_once(args.postgres, folder) for _ in range(args.runs)]
            ok &= all(report_serving("serve, PostgreSQL", runs, floor.best))
    print(f"  after: {machine()}")
    print(f"goals: {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
