"""What the machine does during the load: CPU of each part of the server, PostgreSQL's sessions, the load average.

    .venv/bin/python benchmarks/load/sampler.py OUT.jsonl --every 2 --group web=PIDFILE --group postgres=PIDFILE ...
         [--database-url postgres://...] [--pid locust=PID]

Every `--every` seconds one JSON line: per group the CPU used since the last line (in cores: 1.0 = one core
busy), the number of processes; the machine's busy cores and load average; and from pg_stat_activity the
sessions of the served database by state and wait event. A group is a process tree from its root pid (read
from the pid file at each sample, so a restarted process is followed): gunicorn's master and workers, Celery's
worker (and its pool) or beat, the postmaster and its backends, Redis, locust. CPU of children that ended
(gunicorn recycles workers, PostgreSQL ends backends) is counted through the root's cutime/cstime.
What `ps` shows, read from /proc directly so one sample costs a few milliseconds. Stops on SIGTERM or when
--seconds have passed.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> tuple[int, float, float] | None:
    """(ppid, own CPU seconds, reaped children's CPU seconds) of a process, None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    # fields[0] is state (field 3): ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / TICK, (int(fields[13]) + int(fields[14])) / TICK


def _processes() -> dict[int, tuple[int, float]]:
    out = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st is not None:
                out[int(entry)] = (st[0], st[1])
    return out


def _root(spec: str) -> int | None:
    """A pid, or the first line of a pid file (postmaster.pid's first line is the pid)."""
    if spec.isdigit():
        return int(spec)
    try:
        first = Path(spec).read_text().split("\n", 1)[0].strip()
    except (FileNotFoundError, PermissionError):
        return None
    return int(first) if first.isdigit() else None


def _tree_cpu(root: int, procs: dict[int, tuple[int, float]]) -> tuple[float, int]:
    st = _stat(root)
    if st is None:
        return 0.0, 0
    children: dict[int, list[int]] = {}
    for pid, (ppid, _cpu) in procs.items():
        children.setdefault(ppid, []).append(pid)
    total, count, todo = st[1] + st[2], 1, list(children.get(root, []))
    while todo:
        pid = todo.pop()
        total += procs[pid][1]
        count += 1
        todo.extend(children.get(pid, []))
    return total, count


def _machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all cores since boot, from /proc/stat."""
    parts = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


_SESSIONS = """SELECT coalesce(state, '?'), coalesce(wait_event_type, 'CPU'), count(*)
               FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() GROUP BY 1, 2"""


# Who waits on a lock, and on whom: the statements (first 90 characters) of waiting sessions and of the
# sessions blocking them.
_LOCK_WAITS = """SELECT 'waits: ' || left(regexp_replace(w.query, '\\s+', ' ', 'g'), 90), count(*)
                 FROM pg_stat_activity AS w WHERE w.datname = current_database() AND w.wait_event_type = 'Lock'
                 GROUP BY 1
                 UNION ALL
                 SELECT 'blocks: ' || left(regexp_replace(b.query, '\\s+', ' ', 'g'), 90), count(*)
                 FROM pg_stat_activity AS w CROSS JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS bp(pid)
                 JOIN pg_stat_activity AS b ON b.pid = bp.pid
                 WHERE w.datname = current_database() AND w.wait_event_type = 'Lock' GROUP BY 1"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--every", type=float, default=2.0)
    ap.add_argument("--seconds", type=float, default=3600.0)
    ap.add_argument("--group", action="append", default=[], help="name=PIDFILE or name=PID")
    ap.add_argument("--database-url", default="")
    ap.add_argument("--redis-socket", default="", help="the Celery broker's socket: queue length per sample")
    args = ap.parse_args()
    groups = dict(g.split("=", 1) for g in args.group)
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__("now", True))
    signal.signal(signal.SIGINT, lambda *_: stop.__setitem__("now", True))
    conn = None
    if args.database_url:
        import psycopg

        conn = psycopg.connect(args.database_url, autocommit=True)
    broker = None
    if args.redis_socket:
        import redis

        broker = redis.Redis(unix_socket_path=args.redis_socket, socket_timeout=1)
    cores = os.cpu_count() or 1
    last: dict[str, float] = {}
    last_busy = _machine_busy()
    last_t = time.monotonic()
    ends = last_t + args.seconds
    with open(args.out, "a") as out:
        while not stop["now"] and time.monotonic() < ends:
            time.sleep(args.every)
            now = time.monotonic()
            dt = now - last_t
            procs = _processes()
            line: dict = {"t": round(time.time(), 1), "groups": {}}
            for name, spec in groups.items():
                root = _root(spec)
                cpu, n = _tree_cpu(root, procs) if root else (0.0, 0)
                key = f"{name}:{root}"
                used = max(0.0, cpu - last[key]) / dt if key in last else None
                last[key] = cpu
                line["groups"][name] = {"cores": None if used is None else round(used, 3), "processes": n}
            busy = _machine_busy()
            line["machine_cores_busy"] = round((busy[0] - last_busy[0]) / max(1, busy[1] - last_busy[1]) * cores, 3)
            line["cores"] = cores
            last_busy = busy
            line["loadavg"] = [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]
            if conn is not None:
                with conn.cursor() as cur:
                    cur.execute(_SESSIONS)
                    line["pg_sessions"] = {f"{state}/{wait}": n for state, wait, n in cur.fetchall()}
                    if any(k.endswith("/Lock") for k in line["pg_sessions"]):
                        cur.execute(_LOCK_WAITS)
                        line["pg_locks"] = dict(cur.fetchall())
            if broker is not None:
                try:
                    line["celery_queue"] = broker.llen("celery")
                except redis.RedisError:
                    line["celery_queue"] = None
            last_t = now
            out.write(json.dumps(line) + "\n")
            out.flush()


if __name__ == "__main__":
    main()
