#!/usr/bin/env python3
"""Every series the Grafana dashboard (tools/grafana/ringside.json) queries is in /metrics,
with the labels its expressions group by.

  dashboard_series_test.py RINGSIDE_BINARY DASHBOARD_JSON

Starts ringside (sim backend, a catalog whose game has a warm pool) on a free port, sends one
request so that the per-route request counter has a series, reads /metrics, and checks each
metric name found in the dashboard's query expressions (panel targets and template variables)
against the names /metrics prints. A name /metrics declares (`# TYPE`) without printing a row
passes too, said so: a family whose rows follow the configuration (ringside_warm_containers has
rows only for games whose warm pool the catalog parsed). Then, for each `by (labels) (...)` of an
expression, checks that the series it aggregates carries those labels in /metrics (a missing
label would group everything under "").
Exit 1 names every queried series that /metrics neither prints nor declares, and every label a
printed one lacks.
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

# Flags that turn on every feature whose series the dashboard shows (all print even at 0).
FLAGS = ["--backend", "sim", "--shards", "2", "--operator-key", "dashboard-test-key"]
# A game with a warm pool, so that ringside_warm_containers has rows (docs/warm-pools.md).
CATALOG = {"games": [{"slug": "warm-game", "title": "Warm", "image": "registry.test/warm:1",
                      "sizeMb": 10, "warmPool": 1}]}
TYPE_LINE = re.compile(r"^# TYPE (ringside_[a-z0-9_]+) ", re.MULTILINE)

METRIC = re.compile(r"\bringside_[a-z0-9_]+\b")
# `by (a, b) (rate(ringside_x` or `by (a) (ringside_x`: the labels a grouping needs on ringside_x.
GROUPING = re.compile(r"\bby \(([^)]*)\) \((?:[a-z_]+\()?(ringside_[a-z0-9_]+)")
LABEL = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)=\"")


def expressions(dashboard):
    """Every query expression of the dashboard (panels, rows' panels, variables)."""
    exprs = []

    def walk(panels):
        for p in panels:
            exprs.extend(t.get("expr", "") for t in p.get("targets", []))
            walk(p.get("panels", []))

    walk(dashboard.get("panels", []))
    for var in dashboard.get("templating", {}).get("list", []):
        query = var.get("query")
        exprs.append(query.get("query", "") if isinstance(query, dict) else str(query or ""))
    return exprs


def queried(exprs):
    """Metric names in the expressions."""
    names = set()
    for expr in exprs:
        names.update(METRIC.findall(expr))
    return names


def groupings(exprs):
    """(metric, labels) for each `by (labels)` grouping, without Prometheus' own `instance`."""
    needs = set()
    for expr in exprs:
        for labels, name in GROUPING.findall(expr):
            wanted = {l.strip() for l in labels.split(",")} - {"instance", ""}
            needs.add((name, frozenset(wanted)))
    return needs


def printed(text):
    """Metric name -> the label names of each of its printed series."""
    series = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name = re.split(r"[{ ]", line, maxsplit=1)[0]
            labels = line[len(name):].split("}", 1)[0] if line[len(name):].startswith("{") else ""
            series.setdefault(name, []).append(set(LABEL.findall(labels)))
    return series


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
        return r.read().decode()


def scrape(binary):
    port = free_port()
    with tempfile.TemporaryFile() as log, tempfile.NamedTemporaryFile(
            "w", suffix=".json", delete=False) as catalog:
        json.dump(CATALOG, catalog)
        catalog.close()
        server = subprocess.Popen([binary, "--listen", f"127.0.0.1:{port}", *FLAGS,
                                   "--catalog", catalog.name],
                                  stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    get(port, "/healthz")
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        sys.exit(f"FAIL: ringside did not start:\n{log.read().decode()}")
                    time.sleep(0.05)
            get(port, "/metrics")  # counted once answered: the next scrape shows it
            return get(port, "/metrics")
        finally:
            server.terminate()
            server.wait(timeout=10)
            os.unlink(catalog.name)


def main():
    binary, dashboard_path = sys.argv[1], sys.argv[2]
    with open(dashboard_path, encoding="utf-8") as f:
        exprs = expressions(json.load(f))
    names = queried(exprs)
    if not names:
        print("FAIL: the dashboard queries no ringside series")
        return 1
    text = scrape(binary)
    have = printed(text)
    declared = set(TYPE_LINE.findall(text))
    failures = []
    for name in sorted(names):
        if name in have:
            print(f"ok: {name}")
        elif name in declared:
            print(f"ok: {name} (declared, no row at this scrape)")
        else:
            failures.append(f"the dashboard queries {name}, which /metrics does not print")
    for name, wanted in sorted(groupings(exprs), key=lambda g: (g[0], sorted(g[1]))):
        lacking = [labels for labels in have.get(name, []) if not wanted <= labels]
        if name in have and lacking:
            failures.append(f"the dashboard groups {name} by {sorted(wanted)}, but /metrics "
                            f"prints it with {sorted(lacking[0])}")
        elif name in have:
            print(f"ok: {name} by {sorted(wanted)}")
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
