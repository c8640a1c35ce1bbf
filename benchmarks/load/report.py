"""The load test's verdict: p95 per endpoint, rates held, what saturates first, headroom for real volumes.

    .venv/bin/python benchmarks/load/report.py var/loadtest/run  [--plan var/loadtest/plan.json]
        [--samples var/loadtest/samples.jsonl] [--markdown var/loadtest/report.md]

Reads locust's CSV (PREFIX_stats.csv, PREFIX_failures.csv) and the sampler's lines. Exit status 0 only when no
request failed (the pass line), 1 otherwise.

Headroom: intake is what a city's volume drives. Kyiv files about 1.2M appeals a year (KYIV_APPEALS_PER_YEAR);
its average hour is 1.2M / 8,760 h, its peak hour that times the busiest-hour factor of the history in the
database (seasons, outages, evenings; from prepare.py), and each appeal brings CALLS_PER_APPEAL intake requests
(repeat calls and status questions, as the demo generator models them). A burst of 150 calls in an hour in a
city of 150k is the other case. Headroom = intake requests per second held in the run (with the rest of the mix
running beside it) / the rate needed.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
from pathlib import Path

KYIV_APPEALS_PER_YEAR = 1_200_000
CALLS_PER_APPEAL = 1.34  # appeals.demo.history.Mix: 1 + repeat_rate 0.18 + status_rate 0.16
BURST_CALLS_PER_HOUR = 150

# Endpoint name (as the locustfile names requests) → the part of the mix it belongs to, and the target rate of
# that part (requests per second at LOADTEST_SCALE=1).
KINDS = [
    ("intake", ("POST /api/v1/appeals", "POST /report/", "POST /open311/"), 20),
    ("intake (form pages)", ("GET /report/",), 6),
    ("dispatcher pages and search", ("GET /dispatch/", "GET /api/v1/suggest", "GET /appeals/", "GET /journal/",
                                     "GET /accounts/", "POST /accounts/"), 20),
    ("public tiles", ("GET /tiles/",), 300),
    ("clusters", ("GET /api/v1/public/clusters",), 50),
    ("tracking", ("GET /track/",), 30),
]
SERVER_GROUPS = ("web", "worker", "beat", "postgres", "redis")


def kind_of(name: str) -> str:
    for kind, prefixes, _rate in KINDS:
        if name.startswith(prefixes):
            return kind
    return "other"


def read_stats(prefix: str) -> tuple[list[dict], dict | None]:
    rows, total = [], None
    with open(prefix + "_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            if row["Name"] == "Aggregated":
                total = row
            else:
                rows.append(row)
    return rows, total


def read_failures(prefix: str) -> list[dict]:
    path = Path(prefix + "_failures.csv")
    if not path.exists():
        return []
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def read_samples(path: str) -> list[dict]:
    p = Path(path)
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text().splitlines() if line.strip()]


def _ms(row: dict, col: str) -> str:
    value = row.get(col, "")
    return value if value not in ("", "N/A") else "–"


def table(rows: list[dict], seconds: float) -> list[str]:
    out = [f"| {'endpoint':<46} | {'requests':>8} | {'fail':>4} | {'/s':>6} | {'p50 ms':>6} | {'p95 ms':>6} | "
           f"{'p99 ms':>6} | {'max ms':>7} |",
           f"|{'-' * 48}|{'-' * 10}:|{'-' * 5}:|{'-' * 7}:|{'-' * 7}:|{'-' * 7}:|{'-' * 7}:|{'-' * 8}:|"]
    for row in sorted(rows, key=lambda r: (kind_of(r["Name"]), r["Name"])):
        n = int(row["Request Count"])
        out.append(f"| {row['Name']:<46} | {n:>8} | "
                   f"{int(row['Failure Count']):>4} | {n / seconds:>6.1f} | {_ms(row, '50%'):>6} | "
                   f"{_ms(row, '95%'):>6} | {_ms(row, '99%'):>6} | {float(row['Max Response Time']):>7.0f} |")
    return out


def rates(rows: list[dict], seconds: float, scale: float) -> tuple[list[str], dict[str, float]]:
    held = {}
    out = [f"| {'part of the mix':<28} | {'target /s':>9} | {'held /s':>8} | {'p95 ms (worst endpoint)':>24} |",
           f"|{'-' * 30}|{'-' * 10}:|{'-' * 9}:|{'-' * 25}:|"]
    for kind, _prefixes, target in KINDS:
        mine = [r for r in rows if kind_of(r["Name"]) == kind and not r["Name"].startswith(("GET /accounts",
                                                                                           "POST /accounts"))]
        n = sum(int(r["Request Count"]) for r in mine)
        held[kind] = n / seconds
        worst = max((float(r["95%"]) for r in mine if r["95%"] not in ("", "N/A")), default=0)
        out.append(f"| {kind:<28} | {target * scale:>9.1f} | {n / seconds:>8.1f} | {worst:>24.0f} |")
    return out, held


def cpu(samples: list[dict]) -> tuple[list[str], dict]:
    """Mean cores per group over the samples (the first of each group has no previous one and is skipped)."""
    if not samples:
        return ["(no samples)"], {}
    names = sorted({g for s in samples for g in s["groups"]})
    means = {}
    peak = {}
    for g in names:
        xs = [s["groups"][g]["cores"] for s in samples if g in s["groups"] and s["groups"][g]["cores"] is not None]
        means[g] = statistics.fmean(xs) if xs else 0.0
        peak[g] = max(xs) if xs else 0.0
    machine = [s["machine_cores_busy"] for s in samples[1:]] or [0.0]
    cores = samples[-1].get("cores", 2)
    loads = [s["loadavg"][0] for s in samples]
    ours = sum(means.values())
    lines = [f"CPU in cores of this machine's {cores} (mean over {len(samples)} samples; peak 2-s sample):"]
    for g in names:
        procs = max(s["groups"].get(g, {}).get("processes", 0) for s in samples)
        lines.append(f"  {g:<10} {means[g]:5.2f} cores (peak {peak[g]:4.2f}), up to {procs} processes")
    machine_mean = statistics.fmean(machine)
    lines.append(f"  {'whole machine':<10} {machine_mean:5.2f} busy; of which not ours (other engineers): "
                 f"{max(0.0, machine_mean - ours):.2f}")
    lines.append(f"  load average (1 min): min {min(loads):.1f}, mean {statistics.fmean(loads):.1f}, max {max(loads):.1f}")
    sessions = [s.get("pg_sessions", {}) for s in samples if "pg_sessions" in s]
    if sessions:
        active = [sum(n for k, n in s.items() if k.startswith("active/")) for s in sessions]
        waits: dict[str, float] = {}
        for s in sessions:
            for k, n in s.items():
                if k.startswith("active/"):
                    waits[k.split("/", 1)[1]] = waits.get(k.split("/", 1)[1], 0) + n / len(sessions)
        total = [sum(s.values()) for s in sessions]
        lines.append(f"  pg_stat_activity: {statistics.fmean(total):.0f} sessions, active mean {statistics.fmean(active):.1f}"
                     f" (max {max(active)}); active by wait: "
                     + ", ".join(f"{k} {v:.1f}" for k, v in sorted(waits.items(), key=lambda kv: -kv[1])))
    locks: dict[str, float] = {}
    for s in samples:
        for k, n in s.get("pg_locks", {}).items():
            locks[k] = locks.get(k, 0) + n / len(samples)
    for k, n in sorted(locks.items(), key=lambda kv: -kv[1])[:6]:
        lines.append(f"    lock {k} (mean {n:.2f} sessions)")
    queue = [s["celery_queue"] for s in samples if s.get("celery_queue") is not None]
    if queue:
        lines.append(f"  Celery queue length: mean {statistics.fmean(queue):.1f}, max {max(queue)}, last {queue[-1]}")
    waits_lock = 0.0
    if sessions:
        waits_lock = statistics.fmean([sum(n for k, n in s.items() if k == "active/Lock") for s in sessions])
    top_lock = max(((k, n) for k, n in locks.items() if k.startswith("waits:")), key=lambda kv: kv[1], default=("", 0))[0]
    return lines, {"lock_waits": waits_lock, "top_lock": top_lock.removeprefix("waits: ")[:70], "means": means, "machine": machine_mean, "cores": cores, "loadavg": statistics.fmean(loads),
                   "queue_max": max(queue) if queue else None, "queue_last": queue[-1] if queue else None,
                   "active_pg": statistics.fmean(active) if sessions else None}


def saturation(figures: dict, held: dict[str, float], scale: float, web_slots: int, requests: int,
               seconds: float, out: dict | None = None) -> list[str]:
    """Lines naming what saturates first; `out` gets "capacity": the mix's rate a machine of this kind of its
    own would hold, as a multiple of the planned mix (from the server's CPU per request)."""
    if not figures:
        return ["saturation: no samples"]
    means = figures["means"]
    server = {g: means.get(g, 0.0) for g in SERVER_GROUPS}
    celery = server["worker"] + server["beat"]
    parts = {"gunicorn workers (Python)": server["web"], "PostgreSQL": server["postgres"],
             "Celery (worker + beat)": celery}
    first, used = max(parts.items(), key=lambda kv: kv[1])
    busy, cores = figures["machine"], figures["cores"]
    short = [k for k, _p, target in KINDS if held.get(k, 0) < 0.95 * target * scale]
    lines = ["What saturates first:"]
    lines.append("  " + ", ".join(f"{k} {v:.2f} cores" for k, v in parts.items())
                 + f"; the machine {busy:.2f} of {cores} busy")
    if busy >= 0.9 * cores:
        lines.append(f"  the CPU of the machine is used up; of our server's share the largest is {first} "
                     f"({used / max(1e-9, sum(parts.values())) * 100:.0f}%): it is the first to saturate.")
    else:
        lines.append(f"  the machine still had {cores - busy:.2f} cores idle on average; the busiest part is {first}.")
    if figures.get("active_pg") is not None:
        waiting = figures.get("lock_waits", 0.0)
        if waiting > 0.5 * figures["active_pg"] and waiting >= 1:
            top = figures.get("top_lock", "")
            lines.append(f"  PostgreSQL had {figures['active_pg']:.1f} active sessions on average for {web_slots} gunicorn "
                         f"threads, {waiting:.1f} of them waiting on a lock ({top}): writes queue behind one another "
                         "there before the CPU is used up")
        else:
            lines.append(f"  PostgreSQL had {figures['active_pg']:.1f} active sessions on average for {web_slots} "
                         "gunicorn threads: " + ("requests wait in the database" if figures["active_pg"] > 0.5 * web_slots
                                                 else "most request time is spent in Python, not in the database"))
    if figures.get("queue_max") is not None:
        lines.append(f"  Celery's queue peaked at {figures['queue_max']} and ended at {figures['queue_last']}: "
                     + ("it keeps up" if (figures["queue_last"] or 0) < 100 else "it falls behind"))
    if requests:
        server_cores = sum(server.values())
        per_request = server_cores * seconds / requests
        planned = sum(target for _k, _p, target in KINDS) * scale
        needed = per_request * planned
        if out is not None and needed > 0:
            out["capacity"] = cores / needed
        lines.append(f"  the server (gunicorn, PostgreSQL, Celery, Redis) spent {per_request * 1000:.1f} ms of CPU per "
                     f"request of this mix: the full mix ({planned:.0f}/s) needs about {needed:.1f} cores of this "
                     f"kind, {'within' if needed <= cores else 'more than'} the machine's {cores} "
                     "if the server had them to itself")
    if short:
        lines.append("  rates below target (the clients waited on the server): " + ", ".join(short))
    else:
        lines.append("  every part of the mix held its target rate")
    return lines


def headroom(plan: dict, held: dict[str, float], *, capacity: float | None = None, scale: float = 1.0) -> list[str]:
    measured = held.get("intake", 0.0)
    target = next(t for k, _p, t in KINDS if k == "intake") * scale
    # On a machine of its own the server would hold the mix `capacity` times over (never more than measured
    # shows when it held its target anyway).
    estimated = target * capacity if capacity else None
    intake = measured
    factor = plan.get("peak_hour_factor") or 0
    average = KYIV_APPEALS_PER_YEAR / (365 * 24 * 3600) * CALLS_PER_APPEAL
    lines = [f"Headroom (intake held in the run: {measured:.1f} requests/s, with the rest of the mix beside it):"]
    if estimated is not None:
        lines.append(f"  (in brackets: from the server's CPU per request, a machine like this one of its own would hold "
                     f"the whole mix {capacity:.1f} times over, i.e. intake ≈ {estimated:.1f}/s with the rest beside it"
                     + ("; the run itself did not hold its intake target on the shared machine)" if measured < 0.95 * target
                        else ")"))
    alt = estimated
    lines.append(f"  Kyiv, {KYIV_APPEALS_PER_YEAR:,} appeals a year × {CALLS_PER_APPEAL} calls each: average "
                 f"{average * 3600:.0f} calls/h = {average:.3f}/s → headroom {intake / average:,.0f}×"
                 + (f" ({alt / average:,.0f}×)" if alt else ""))
    if factor:
        peak = average * factor
        lines.append(f"  Kyiv's peak hour: {factor:.1f}× the average hour (the busiest hour of "
                     f"{plan.get('history_hours', 0):,.0f} in the database's history, {plan.get('busiest_hour_appeals')} "
                     f"appeals) = {peak * 3600:.0f} calls/h = {peak:.3f}/s → headroom {intake / peak:,.1f}×"
                 + (f" ({alt / peak:,.1f}×)" if alt else ""))
    burst = BURST_CALLS_PER_HOUR / 3600
    lines.append(f"  a burst of {BURST_CALLS_PER_HOUR} calls in an hour in a city of 150k: {burst:.3f}/s → headroom "
                 f"{intake / burst:,.0f}×" + (f" ({alt / burst:,.0f}×)" if alt else "")
                 + (f" (all {BURST_CALLS_PER_HOUR} would be taken within {BURST_CALLS_PER_HOUR / intake:.0f} s)"
                    if intake > 0 else ""))
    return lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("prefix")
    ap.add_argument("--plan", default="var/loadtest/plan.json")
    ap.add_argument("--samples", default="")
    ap.add_argument("--markdown", default="")
    ap.add_argument("--seconds", type=float, required=True, help="the run's length")
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--web-slots", type=int, default=10, help="gunicorn workers × threads")
    args = ap.parse_args()
    rows, total = read_stats(args.prefix)
    failures = read_failures(args.prefix)
    plan = json.loads(Path(args.plan).read_text()) if Path(args.plan).exists() else {}
    samples = read_samples(args.samples) if args.samples else []
    lines = [f"Load test: {plan.get('appeals', 0):,} appeals in the database, {args.seconds:.0f} s, "
             f"scale {args.scale:g}", ""]
    lines += table(rows, args.seconds) + [""]
    rate_lines, held = rates(rows, args.seconds, args.scale)
    lines += rate_lines + [""]
    cpu_lines, figures = cpu(samples)
    n_req_all = int(total["Request Count"]) if total else sum(int(r["Request Count"]) for r in rows)
    extra: dict = {}
    lines += cpu_lines + [""] + saturation(figures, held, args.scale, args.web_slots, n_req_all, args.seconds,
                                           extra) + [""]
    lines += headroom(plan, held, capacity=extra.get("capacity"), scale=args.scale) + [""]
    n_fail = int(total["Failure Count"]) if total else sum(int(r["Failure Count"]) for r in rows)
    n_req = int(total["Request Count"]) if total else sum(int(r["Request Count"]) for r in rows)
    for f in failures[:20]:
        lines.append(f"  failure: {f['Method']} {f['Name']}: {f['Error'][:200]} × {f['Occurrences']}")
    verdict = "PASS" if n_fail == 0 and n_req > 0 else "FAIL"
    lines.append(f"loadtest: {verdict}: {n_req} requests, {n_fail} failed")
    text = "\n".join(lines)
    print(text, flush=True)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n")
    sys.exit(0 if verdict == "PASS" else 1)


if __name__ == "__main__":
    main()
