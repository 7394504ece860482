"""csp-audit against what an analyst would otherwise use, on the same generated network:
DuckDB SQL for every rule (rules.sql) and NetworkX for the graph rules (CSP005 affiliate
components, CSP008 provider -> reseller -> CSP tenant). Checks that every peer finds as many
findings per rule as csp-audit, and reports the times and their ratio.

    python peers.py DIR CSP_AUDIT_BINARY OUT.md [--networkx] [--limit CMD...]   (RUNS=3)

`--limit CMD...` (the rest of the line) is the command of the raw csv parse of the same files
(`cargo bench --bench limit -- DIR`), run alternately with the others: it prints one JSON line
with its one-thread and all-cores times. Peak memory is each process's maximum resident set
size (DuckDB runs in a child process of its own for that).
"""
import csv
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
RULES = [f"CSP{i:03}" for i in range(1, 11)]


def run_child(argv, stdout=None):
    """Runs argv; returns (wall seconds, exit code, peak RSS in MiB of that child alone)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=stdout)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, proc.returncode, usage.ru_maxrss / 1024


def run_csp_audit(binary, folder):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        wall, code, rss = run_child([binary, "audit", folder, "--format", "json",
                                     "--output", out.name])
        if code not in (0, 1):
            sys.exit(f"csp-audit failed with exit code {code}")
        report = json.load(open(out.name))
    return wall, {r: report["summary"]["by_rule"].get(r, 0) for r in RULES}, rss


def run_duckdb_child(folder):
    """run_duckdb in a process of its own, for its peak memory."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        _, code, rss = run_child([sys.executable, __file__, "--duckdb-child", folder, out.name])
        if code != 0:
            sys.exit(f"the DuckDB run failed with exit code {code}")
        total, loaded, counts, times = json.load(open(out.name))
    return total, loaded, counts, times, rss


def run_limit(command):
    with tempfile.TemporaryFile() as out:
        _, code, _ = run_child(command, stdout=out)
        if code != 0:
            sys.exit(f"the raw parse failed with exit code {code}")
        out.seek(0)
        return json.loads(out.read().decode().strip().splitlines()[-1])


def sql_blocks():
    text = (HERE / "rules.sql").read_text()
    blocks = re.split(r"^-- name: (\S+)\n", text, flags=re.M)[1:]
    return dict(zip(blocks[::2], blocks[1::2]))


def run_duckdb(folder):
    blocks = sql_blocks()
    t0 = time.perf_counter()
    con = duckdb.connect()
    read = "read_csv('{}', header = true, all_varchar = true, delim = ',', quote = '\"'{})"
    for table, name in [("partners", "partners.csv"), ("tenants", "tenants.csv"),
                        ("rels", "relationships.csv")]:
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM {read.format(Path(folder) / name, '')}")
    con.execute("CREATE TABLE regions AS SELECT * FROM "
                + read.format(ROOT / "data" / "regions.csv", ", comment = '#'"))
    for stmt in filter(str.strip, blocks["setup"].split(";")):
        con.execute(stmt)
    loaded = time.perf_counter() - t0
    counts, times = {}, {}
    for rule in RULES:
        t1 = time.perf_counter()
        counts[rule] = con.execute(blocks[rule]).fetchone()[0]
        times[rule] = time.perf_counter() - t1
    return time.perf_counter() - t0, loaded, counts, times


def run_networkx(folder):
    import networkx as nx

    t0 = time.perf_counter()
    partners, tenants = {}, {}
    with open(Path(folder) / "partners.csv", newline="") as f:
        for row in csv.DictReader(f):
            partners[row["partner_id"]] = row
    with open(Path(folder) / "tenants.csv", newline="") as f:
        for row in csv.DictReader(f):
            tenants[row["tenant_id"].lower()] = row
    affiliates = nx.Graph()
    network = nx.DiGraph()  # provider -> reseller (kind reseller), seller -> tenant (sales)
    sales = []
    with open(Path(folder) / "relationships.csv", newline="") as f:
        for row in csv.DictReader(f):
            kind = row["kind"]
            if kind == "affiliate":
                affiliates.add_edge(row["from_id"], row["to_id"])
            elif kind == "reseller":
                network.add_edge(row["from_id"], row["to_id"], reseller=True)
            elif kind == "customer":
                tenant = row["to_id"].lower()
                sales.append((row["from_id"], row["reseller_id"] or None, tenant))
                network.add_edge(row["from_id"], "t:" + tenant)
    loaded = time.perf_counter() - t0

    t1 = time.perf_counter()
    group = {}
    for i, component in enumerate(nx.connected_components(affiliates)):
        for org in component:
            group[org] = i
    org_of = lambda p: partners[p]["organization_id"] or p  # noqa: E731
    same = lambda a, b: a == b or (a in group and group.get(a) == group.get(b))  # noqa: E731
    csp005 = 0
    for seller, reseller, tenant in sales:
        owner = tenants[tenant]["organization_id"]
        if owner and (same(org_of(seller), owner)
                      or (reseller is not None and same(org_of(reseller), owner))):
            csp005 += 1
    t005 = time.perf_counter() - t1

    t2 = time.perf_counter()
    csp008 = 0
    for reseller, row in partners.items():
        tenant = row["csp_tenant_id"].lower()
        node = "t:" + tenant
        if not tenant or node not in network:
            continue
        for provider in network.predecessors(node):
            edge = network.get_edge_data(provider, reseller)
            if edge is not None and edge.get("reseller"):
                csp008 += 1
    t008 = time.perf_counter() - t2
    return time.perf_counter() - t0, loaded, {"CSP005": csp005, "CSP008": csp008}, \
        {"CSP005": t005, "CSP008": t008}


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(int(line.split()[1]) for line in open("/proc/meminfo")
                   if line.startswith("MemTotal"))
        mem = f"{mem / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        mem = "unknown memory"
    return f"{os.cpu_count()} cores ({cpu}), {mem}, {platform.system()}"


def median(values):
    return sorted(values)[len(values) // 2]


def main():
    if sys.argv[1] == "--duckdb-child":
        folder, out = sys.argv[2:4]
        Path(out).write_text(json.dumps(run_duckdb(folder)))
        return
    folder, binary, out = sys.argv[1:4]
    rest = sys.argv[4:]
    limit_cmd = rest[rest.index("--limit") + 1:] if "--limit" in rest else None
    rest = rest[:rest.index("--limit")] if limit_cmd else rest
    with_networkx = "--networkx" in rest
    rows = sum(1 for _ in open(Path(folder) / "relationships.csv")) - 1
    # Each of csp-audit and DuckDB runs RUNS times, alternately; their medians are reported
    # (on a shared machine one run can be off by a fifth). NetworkX, far slower, runs once.
    runs = int(os.environ.get("RUNS", "3"))
    ours_all, db_all, limit_all = [], [], []
    for _ in range(runs):
        ours_all.append(run_csp_audit(binary, folder))
        db_all.append(run_duckdb_child(folder))
        if limit_cmd:
            limit_all.append(run_limit(limit_cmd))
    ours, our_counts, _ = sorted(ours_all, key=lambda r: r[0])[runs // 2]
    db_total, db_load, db_counts, db_times, _ = sorted(db_all, key=lambda r: r[0])[runs // 2]
    our_rss = median([r[2] for r in ours_all])
    db_rss = median([r[4] for r in db_all])
    input_mib = sum((Path(folder) / f).stat().st_size
                    for f in ["partners.csv", "tenants.csv", "relationships.csv"]) / 2**20
    ok = all(r[1] == our_counts for r in ours_all) and all(r[2] == db_counts for r in db_all)
    nx_result = run_networkx(folder) if with_networkx else None
    ok = ok and all(db_counts[r] == our_counts[r] for r in RULES)
    if nx_result:
        ok = ok and all(nx_result[2][r] == our_counts[r] for r in nx_result[2])

    lines = [
        f"Peers on one generated network of {rows:,} relationships "
        f"(`csp-audit generate --relationships {rows} --seed 1`), on {machine()}.",
        f"DuckDB {duckdb.__version__}"
        + (f", NetworkX {__import__('networkx').__version__}" if nx_result else "")
        + f", Python {platform.python_version()}. Times are wall seconds, reading the CSV files"
          f" included; csp-audit and DuckDB: median of {runs} alternate runs"
          + (", NetworkX: one run." if nx_result else "."),
        "",
        "| rule | csp-audit findings | DuckDB SQL | DuckDB s | "
        + ("NetworkX | NetworkX s | " if nx_result else "") + "agree |",
        "|---|---:|---:|---:|" + ("---:|---:|" if nx_result else "") + "---|",
    ]
    for r in RULES:
        agree = db_counts[r] == our_counts[r]
        cells = [r, str(our_counts[r]), str(db_counts[r]), f"{db_times[r]:.2f}"]
        if nx_result:
            if r in nx_result[2]:
                agree = agree and nx_result[2][r] == our_counts[r]
                cells += [str(nx_result[2][r]), f"{nx_result[3][r]:.2f}"]
            else:
                cells += ["", ""]
        cells.append("yes" if agree else "**NO**")
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        f"The input is {input_mib:,.0f} MiB of CSV. Wall seconds and peak resident memory are"
        f" medians of {runs} runs; × is the tool's time over csp-audit's.",
        "",
        "| tool | what it ran | wall s | × csp-audit | peak RSS MiB | RSS / input |",
        "|---|---|---:|---:|---:|---:|",
        f"| csp-audit | whole audit (load, build, all ten rules, JSON report) | {ours:.2f} | 1.0 "
        f"| {our_rss:,.0f} | {our_rss / input_mib:.2f} |",
        f"| DuckDB | load {db_load:.2f} s + ten rule queries | {db_total:.2f} | "
        f"{db_total / ours:.2f} | {db_rss:,.0f} | {db_rss / input_mib:.2f} |",
    ]
    if limit_all:
        one = median([r["one_thread_s"] for r in limit_all])
        par = median([r["parallel_s"] for r in limit_all])
        threads = limit_all[0]["threads"]
        lines += [
            f"| limit, 1 thread | the csv crate's raw `ByteRecord` parse of the three files, no"
            f" checks | {one:.2f} | {one / ours:.2f} | | |",
            f"| limit, {threads} threads | the same, each file cut into 4 MiB pieces that the cores read and parse"
            f" | {par:.2f} | {par / ours:.2f} | | |",
        ]
    if nx_result:
        lines.append(
            f"| NetworkX | load {nx_result[1]:.2f} s (csv module) + CSP005 and CSP008 only | "
            f"{nx_result[0]:.2f} | {nx_result[0] / ours:.1f} | | |")
    if limit_all:
        lines += ["", f"csp-audit is {db_total / ours:.1f}× as fast as DuckDB and takes"
                      f" {ours / par:.2f}× the time of the raw parallel parse."]
    lines += ["", "All peers agree with csp-audit on every rule's finding count." if ok
              else "**The peers disagree with csp-audit: see the rows marked NO.**"]
    text = "\n".join(lines) + "\n"
    print(text)
    Path(out).write_text(text)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
