"""Draws benches/results/scaling.svg from scaling.csv: time per phase and peak memory against
the number of relationships, both on log-log axes (a straight line of slope 1 is linear cost).

    python benches/scaling_chart.py scaling.csv scaling.svg "MACHINE"
"""
import csv
import sys

import matplotlib

matplotlib.use("svg")
import matplotlib.pyplot as plt  # noqa: E402

src, dst, machine = sys.argv[1], sys.argv[2], sys.argv[3]
rows = list(csv.DictReader(open(src)))
n = [int(r["relationships"]) for r in rows]
col = lambda k: [float(r[k]) for r in rows]  # noqa: E731

plt.rcParams["svg.hashsalt"] = "csp-audit"  # stable ids: the same data gives the same file
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
for key, label in [
    ("audit_s", "whole audit (CLI)"),
    ("load_s", "CSV load"),
    ("build_s", "graph build"),
    ("rules_s", "rules CSP001-CSP010"),
    ("generate_s", "generate"),
]:
    points = [(x, y) for x, y in zip(n, col(key)) if y > 0]  # a log axis has no 0
    left.plot(*zip(*points), marker="o", label=label)
left.set(xscale="log", yscale="log", xlabel="relationships", ylabel="wall time (s)",
         title="Time per phase")
left.grid(True, which="both", alpha=0.3)
left.legend(fontsize=8)

for key, label in [
    ("audit_peak_mib", "whole audit (CLI)"),
    ("build_peak_mib", "after graph build"),
    ("load_peak_mib", "after CSV load"),
    ("generate_peak_mib", "generate"),
]:
    right.plot(n, col(key), marker="o", label=label)
right.set(xscale="log", yscale="log", xlabel="relationships", ylabel="peak RSS (MiB)",
          title="Peak memory")
right.grid(True, which="both", alpha=0.3)
right.legend(fontsize=8)

fig.suptitle(f"csp-audit scaling, 10k to 10M relationships ({machine})", fontsize=10)
fig.tight_layout()
fig.savefig(dst, metadata={"Date": None})
