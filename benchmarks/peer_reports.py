"""The peer of bench_reports: the same figures by a plain script (psycopg + pandas, no Django, no E-City code).

    .venv/bin/python benchmarks/peer_reports.py period DSN LO HI PLO PHI NOW OUT_DIR   # instants in ISO, UTC
    .venv/bin/python benchmarks/peer_reports.py daily DSN START END OUT_DIR

`period` reads the rows of both periods with plain SELECTs, counts every breakdown of the period report and the
provider performance in pandas, and writes them as XLSX (a sheet per breakdown, pandas + xlsxwriter) and the
monthly chart (matplotlib); `daily` runs the summary's counts as plain SQL and writes an HTML page. Both print
their headline figures as JSON, which bench_reports compares with E-City's own files.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timedelta
from pathlib import Path

ACCEPT = timedelta(hours=12)
OPEN = ("registered", "sent", "accepted", "rejected", "in_progress", "reopened")
KYIV = "Europe/Kyiv"


def _frame(cur, query: str, params: dict):
    import pandas as pd

    cur.execute(query, params)
    return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])


def period(dsn: str, lo: str, hi: str, plo: str, phi: str, now: str, out: str) -> dict:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd
    import psycopg

    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    figures: dict = {}
    sheets: dict[str, pd.DataFrame] = {}
    with psycopg.connect(dsn) as conn, conn.cursor() as cur:
        names = {"category": dict(conn.execute("SELECT id, name_uk FROM layers_category").fetchall()),
                 "provider": dict(conn.execute("SELECT id, name FROM layers_provider").fetchall())}
        per = {}
        for label, a, b in (("current", lo, hi), ("previous", plo, phi)):
            p = {"lo": a, "hi": b, "hi_took": datetime.fromisoformat(b) + ACCEPT, "now": now}
            appeals = _frame(cur, "SELECT a.id, a.created_at, a.category_id, a.channel, a.is_formal, bd.neighbourhood_id "
                             "FROM appeals_appeal a LEFT JOIN layers_building bd ON bd.id = a.building_id "
                             "WHERE a.created_at >= %(lo)s AND a.created_at < %(hi)s", p)
            calls = _frame(cur, "SELECT started_at, outcome FROM appeals_call WHERE started_at >= %(lo)s AND started_at < %(hi)s", p)
            routes = _frame(cur, "SELECT r.appeal_id, r.service_kind_id, r.provider_id FROM appeals_appealroute r "
                            "JOIN appeals_appeal a ON a.id = r.appeal_id WHERE a.created_at >= %(lo)s AND a.created_at < %(hi)s", p)
            resolved = _frame(cur, "SELECT id, created_at, resolved_at, deadline, reopen_count, rating, confirmation "
                              "FROM appeals_appeal WHERE resolved_at >= %(lo)s AND resolved_at < %(hi)s", p)
            escalated = conn.execute("SELECT count(*) FROM appeals_appeal WHERE control_level = 2 AND escalated_at >= %(lo)s "
                                     "AND escalated_at < %(hi)s", p).fetchone()[0]
            month = appeals.created_at.dt.tz_convert(KYIV).dt.strftime("%Y-%m")
            hours = (resolved.resolved_at - resolved.created_at).dt.total_seconds() / 3600
            per[label] = {
                "calls": len(calls), "appeals": len(appeals),
                "calls_by_outcome": calls.groupby("outcome").size().to_dict(),
                "categories": appeals.category_id.map(names["category"]).value_counts().to_dict(),
                "channels": appeals.channel.value_counts().to_dict(),
                "formal": {str(k): v for k, v in appeals.is_formal.value_counts().to_dict().items()},
                "neighbourhoods": appeals.neighbourhood_id.fillna(-1).astype(int).value_counts().to_dict(),
                "months": month.value_counts().sort_index().to_dict(),
                "calls_months": calls.started_at.dt.tz_convert(KYIV).dt.strftime("%Y-%m").value_counts().sort_index().to_dict(),
                "service_kinds": routes.groupby("service_kind_id").appeal_id.nunique().to_dict(),
                "providers": routes.dropna(subset=["provider_id"]).groupby("provider_id").appeal_id.nunique()
                .rename(index=lambda i: names["provider"][int(i)]).to_dict(),
                "resolved": len(resolved), "median_hours": float(hours.median()) if len(hours) else None,
                "p90_hours": float(hours.quantile(0.9)) if len(hours) else None,
                "on_time": int((resolved.resolved_at <= resolved.deadline).sum()),
                "reopened": int((resolved.reopen_count > 0).sum()), "escalated": escalated,
                "rated": int(resolved.rating.notna().sum()),
                "mean_rating": float(resolved.rating.dropna().astype(float).mean()) if resolved.rating.notna().any() else None,
                "confirmation": resolved.confirmation.value_counts().to_dict(),
            }
            if label == "current":
                # Provider performance: routes given in the period, the take-up events after them, the holders now.
                given = _frame(cur, "SELECT id, appeal_id, provider_id, service_kind_id, created_at, rejected "
                               "FROM appeals_appealroute WHERE provider_id IS NOT NULL AND created_at >= %(lo)s "
                               "AND created_at < %(hi)s", p)
                took = _frame(cur, "SELECT appeal_id, at FROM appeals_appealevent WHERE action = 'status' "
                              "AND to_status IN ('accepted', 'in_progress') AND at >= %(lo)s AND at < %(hi_took)s", p)
                m = given.merge(took, on="appeal_id")
                m = m[(m["at"] >= m.created_at) & (m["at"] <= m.created_at + ACCEPT)]
                active = _frame(cur, "SELECT appeal_id, service_kind_id, provider_id AS now_provider FROM appeals_appealroute "
                                "WHERE active AND provider_id IS NOT NULL AND appeal_id = ANY(%(ids)s)",
                                {"ids": given.loc[given.rejected, "appeal_id"].tolist()})
                rej = given[given.rejected].merge(active, on=["appeal_id", "service_kind_id"])
                rej = rej[rej.now_provider != rej.provider_id].drop_duplicates("id")
                held = _frame(cur, "SELECT r.provider_id, a.id, a.resolved_at, a.deadline, r.created_at, a.reopen_count, a.rating "
                              "FROM appeals_appealroute r JOIN appeals_appeal a ON a.id = r.appeal_id WHERE r.active "
                              "AND r.provider_id IS NOT NULL AND a.resolved_at >= %(lo)s AND a.resolved_at < %(hi)s", p)
                late = _frame(cur, "SELECT r.provider_id, a.id FROM appeals_appealroute r JOIN appeals_appeal a "
                              "ON a.id = r.appeal_id WHERE r.active AND r.provider_id IS NOT NULL AND a.status = ANY(%(open)s) "
                              "AND a.deadline < %(now)s", {**p, "open": list(OPEN)})
                perf = pd.DataFrame({
                    "received": given.groupby("provider_id").appeal_id.nunique(),
                    "accepted_in_time": m.groupby("provider_id").appeal_id.nunique(),
                    "rejected": given[given.rejected].groupby("provider_id").size(),
                    "rejected_proved_right": rej.groupby("provider_id").size(),
                    "resolved": held.groupby("provider_id").id.nunique(),
                    "resolved_on_time": held[held.resolved_at <= held.deadline].groupby("provider_id").id.nunique(),
                    "overdue_now": late.groupby("provider_id").id.nunique(),
                    "median_hours": ((held.resolved_at - held.created_at).dt.total_seconds() / 3600)
                    .groupby(held.provider_id).median(),
                    "mean_rating": held.rating.astype(float).groupby(held.provider_id).mean(),
                }).fillna({"received": 0, "accepted_in_time": 0, "rejected": 0, "rejected_proved_right": 0,
                           "resolved": 0, "resolved_on_time": 0, "overdue_now": 0})
                perf.index = [names["provider"][int(i)] for i in perf.index]
                sheets["Ефективність виконавців"] = perf
                figures["performance"] = {k: {c: (None if pd.isna(v) else float(v)) for c, v in row.items()}
                                          for k, row in perf.to_dict(orient="index").items()}
    for key in ("calls_by_outcome", "categories", "channels", "formal", "neighbourhoods", "service_kinds", "providers",
                "confirmation"):
        sheets[key] = pd.DataFrame({"період": pd.Series(per["current"][key], dtype=float),
                                    "рік тому": pd.Series(per["previous"][key], dtype=float)}).fillna(0)
        sheets[key]["зміна"] = sheets[key]["період"] - sheets[key]["рік тому"]
    with pd.ExcelWriter(out_dir / "peer.xlsx", engine="xlsxwriter") as xl:
        for name, df in sheets.items():
            df.to_excel(xl, sheet_name=name[:31])
    fig, ax = plt.subplots(figsize=(9, 3.6))
    months = sorted(per["current"]["months"])
    ax.plot(months, [per["current"]["months"][m] for m in months], marker="s")
    ax.plot(months, [per["current"]["calls_months"].get(m, 0) for m in months], marker="o")
    fig.savefig(out_dir / "peer-monthly.png", dpi=110)
    plt.close(fig)
    figures.update({"current": per["current"], "previous": per["previous"]})
    return figures


def daily(dsn: str, start: str, end: str, out: str) -> dict:
    import psycopg

    p = {"lo": start, "hi": end, "day_before": datetime.fromisoformat(end) - timedelta(days=1), "open": list(OPEN)}
    queries = {
        "calls_by_outcome": "SELECT outcome, count(*) FROM appeals_call WHERE started_at >= %(lo)s AND started_at < %(hi)s GROUP BY 1",
        "by_category": "SELECT category_id::text, count(*) FROM appeals_appeal WHERE created_at >= %(lo)s AND created_at < %(hi)s GROUP BY 1",
        "by_channel": "SELECT channel, count(*) FROM appeals_appeal WHERE created_at >= %(lo)s AND created_at < %(hi)s GROUP BY 1",
        "by_provider": "SELECT r.provider_id::text, count(DISTINCT r.appeal_id) FROM appeals_appealroute r JOIN appeals_appeal a "
                       "ON a.id = r.appeal_id WHERE r.active AND r.provider_id IS NOT NULL AND a.created_at >= %(lo)s "
                       "AND a.created_at < %(hi)s GROUP BY 1",
    }
    scalars = {
        "resolved": "SELECT count(*) FROM appeals_appeal WHERE resolved_at >= %(lo)s AND resolved_at < %(hi)s",
        "overdue": "SELECT count(*) FROM appeals_appeal WHERE status = ANY(%(open)s) AND deadline < %(hi)s",
        "escalated": "SELECT count(*) FROM appeals_appeal WHERE control_level = 2 AND escalated_at >= %(lo)s AND escalated_at < %(hi)s",
        "reopened": "SELECT count(DISTINCT appeal_id) FROM appeals_appealevent WHERE to_status = 'reopened' "
                    "AND from_status <> 'reopened' AND at >= %(lo)s AND at < %(hi)s",
        "long_overdue": "SELECT count(*) FROM appeals_appeal WHERE status = ANY(%(open)s) AND deadline < %(day_before)s",
        "repeat_addresses": "SELECT count(*) FROM (SELECT a.building_id FROM appeals_call c JOIN appeals_appeal a ON a.id = c.appeal_id "
                            "WHERE c.started_at >= %(lo)s AND c.started_at < %(hi)s AND a.building_id IS NOT NULL "
                            "GROUP BY 1 HAVING count(*) >= 2 LIMIT 50) x",
    }
    figures: dict = {}
    with psycopg.connect(dsn) as conn:
        for key, q in queries.items():
            figures[key] = dict(conn.execute(q, p).fetchall())
        for key, q in scalars.items():
            figures[key] = conn.execute(q, p).fetchone()[0]
        overdue_rows = conn.execute(
            "SELECT a.number, c.name_uk, a.deadline FROM appeals_appeal a JOIN layers_category c ON c.id = a.category_id "
            "WHERE a.status = ANY(%(open)s) AND a.deadline < %(day_before)s ORDER BY a.deadline, a.id LIMIT 500", p).fetchall()
    figures["calls"] = sum(figures["calls_by_outcome"].values())
    figures["appeals"] = sum(figures["by_category"].values())
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = "".join(f"<tr><td>{n}</td><td>{c}</td><td>{d:%d.%m.%Y %H:%M}</td></tr>" for n, c, d in overdue_rows)
    (out_dir / "peer-daily.html").write_text(f"<html><body><pre>{json.dumps(figures, ensure_ascii=False, indent=1)}</pre>"
                                             f"<table>{rows}</table></body></html>", encoding="utf-8")
    return figures


def main(argv: list[str]) -> int:
    mode, *args = argv[1:]
    figures = period(*args) if mode == "period" else daily(*args)
    print(json.dumps(figures, ensure_ascii=False, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
