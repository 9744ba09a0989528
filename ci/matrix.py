"""Turns the panels' JSON reports (Autobahn's index.json shape, one or more agents per file) into a
compatibility matrix with the count of FAILED and NON-STRICT cases in each cell: servers x case
areas (the server panel, reports/panel) and clients x the areas that have client cases (the client
panel, reports/client-panel), in reports/matrix.md and reports/matrix.html.

    /usr/bin/python3 ci/matrix.py [REPORT_DIR] [--clients DIR]... [--wsprobe BIN] [--out DIR]
        (defaults reports/panel, reports/client-panel and reports/browsers, build/default/harness/wsprobe, whose
        `cases --json` names the areas, and reports)
"""
import argparse
import glob
import html
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def areas(wsprobe):
    """case id -> area, area -> title, and the areas with client cases, as the binary loads the
    catalogue (generators expanded)."""
    proc = subprocess.run([wsprobe, "cases", "--json"], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        sys.exit(f"{wsprobe} cases --json failed: {proc.stderr.strip()}")
    dump = json.loads(proc.stdout)
    client_areas = {c["area"] for c in dump["cases"] if "client" in c["roles"]}
    return {c["id"]: c["area"] for c in dump["cases"]}, dict(dump["areas"]), client_areas


def read_reports(report_dir):
    agents = {}
    for path in sorted(glob.glob(os.path.join(report_dir, "*.json"))):
        with open(path) as f:
            agents.update(json.load(f))
    return agents


def failed(r):
    return r["behavior"] == "FAILED" or r["behaviorClose"] in ("FAILED", "WRONG CODE", "UNCLEAN")


def table(kind, agents, order, titles, by_id):
    """One table, agents x areas in order: its markdown lines and its HTML."""
    cells = {}
    for agent, results in agents.items():
        for cid, r in results.items():
            if cid == "masking":  # a test-client agent's whole-run masking judgement, not a case
                continue
            c = cells.setdefault((agent, by_id.get(cid, "?")), [0, 0, 0])
            c[0] += failed(r)
            c[1] += (not failed(r)) and r["behavior"] == "NON-STRICT"
            c[2] += 1

    def cell(agent, area):
        f, ns, n = cells.get((agent, area), (0, 0, 0))
        if n == 0:
            return "-"
        if f == 0 and ns == 0:
            return "OK"
        return " ".join(x for x in (f"{f} FAILED" if f else "", f"{ns} NON-STRICT" if ns else "") if x)

    md = [f"| {kind} | " + " | ".join(titles[a] for a in order) + " |", "|---" * (len(order) + 1) + "|"]
    rows = []
    for agent in sorted(agents):
        md.append(f"| {agent} | " + " | ".join(cell(agent, a) for a in order) + " |")
        tds = []
        for a in order:
            text = cell(agent, a)
            cls = "f" if "FAILED" in text else ("ns" if "NON-STRICT" in text else "ok")
            tds.append(f'<td class="{cls}">{html.escape(text)}</td>')
        rows.append(f"<tr><th>{html.escape(agent)}</th>{''.join(tds)}</tr>")
    head = "".join(f"<th>{html.escape(titles[a])}</th>" for a in order)
    return md, f"<table><tr><th>{kind}</th>{head}</tr>{''.join(rows)}</table>"


def main(report_dir, client_dirs, wsprobe, out):
    by_id, titles, client_areas = areas(wsprobe)
    servers, clients = read_reports(report_dir), {}
    for d in client_dirs:  # the client panel's and the browsers' reports: one table of clients
        clients.update(read_reports(d))
    if not servers and not clients:
        sys.exit(f"no JSON reports in {report_dir} or {', '.join(client_dirs)}: "
                 "run /usr/bin/python3 -m pytest conformance -m panel first")
    md, body = [], []
    if servers:
        lines, table_html = table("peer", servers, list(titles), titles, by_id)
        md += lines
        body.append(f"<h2>Servers</h2>{table_html}")
    if clients:
        lines, table_html = table("client", clients, [a for a in titles if a in client_areas], titles, by_id)
        md += ([""] if md else []) + lines
        body.append(f"<h2>Clients</h2>{table_html}")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "matrix.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    style = ("<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}"
             "td,th{border:1px solid #ccc;padding:4px 8px}.ok{background:#c8f0c8}.ns{background:#f8f0a0}"
             ".f{background:#f4b8b8}</style>")
    with open(os.path.join(out, "matrix.html"), "w") as f:
        f.write(f"<!doctype html><meta charset='utf-8'><title>wsprobe compatibility matrix</title>{style}"
                f"<h1>wsprobe compatibility matrix</h1>{''.join(body)}\n")
    print("\n".join(md))
    print(f"wrote {out}/matrix.md and {out}/matrix.html")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="servers and clients x case areas, from the panels' JSON reports")
    ap.add_argument("report_dir", nargs="?", default=os.path.join(ROOT, "reports", "panel"))
    ap.add_argument("--clients", action="append",
                    help="a directory of client reports, repeatable (default: reports/client-panel and "
                         "reports/browsers; a missing directory adds no row)")
    ap.add_argument("--wsprobe", default=os.path.join(ROOT, "build", "default", "harness", "wsprobe"))
    ap.add_argument("--out", default=os.path.join(ROOT, "reports"))
    args = ap.parse_args()
    clients = args.clients or [os.path.join(ROOT, "reports", d) for d in ("client-panel", "browsers")]
    main(args.report_dir, clients, args.wsprobe, args.out)
