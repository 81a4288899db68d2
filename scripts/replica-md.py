#!/usr/bin/python3
"""Writes the replicas section of BENCHMARKS.md from zrt_bench_replica_rss's JSON.

    scripts/replica-md.py BENCHMARKS.md REPLICAS.json

The section sits between REPLICAS_BEGIN and REPLICAS_END and is replaced in place
(inserted before the device and soak sections, or appended, when the file has none);
scripts/benchmarks-md.py keeps it when `make bench` rewrites the rest of the file.
"""
import datetime
import json
import os
import platform
import sys

from machine_info import cpu_model, git_commit  # scripts/machine_info.py
from md_section import write_section  # scripts/md_section.py

REPLICAS_BEGIN = "<!-- replicas:begin -->"
REPLICAS_END = "<!-- replicas:end -->"
# The goal of the mapped mode: N replicas within 10 % of one plain session's RSS.
GOAL = 1.10

MODES = {
    "plain": "every replica loads W from the model and prepacks its own copy",
    "shared": "one caller-owned W (`SessionOptions::initializer`) and one shared prepacked copy",
    "shared-nopack": "as shared, prepacking off: MatMul reads the caller's W in every run",
    "mapped": "`ReplicaWeights::Mapped`: W mapped from the external data file, one shared prepacked copy, "
              "mapped pages released after the build",
    "mapped-nopack": "as mapped, prepacking off: runs read W from the mapping",
}


def mib(kib):
    return kib / 1024.0


def section(data):
    rss = data["rss"]
    plain = next(r for r in rss if r["mode"] == "plain" and r["replicas"] == 1)["rss_kib"]
    replicas = sorted({r["replicas"] for r in rss})
    modes = [m for m in MODES if any(r["mode"] == m for r in rss)]

    def row(mode, key, ratio):
        cells = []
        for n in replicas:
            r = next((r for r in rss if r["mode"] == mode and r["replicas"] == n), None)
            if r is None:
                cells.append("–")
            elif ratio:
                cells.append(f"{mib(r[key]):.1f} ({r[key] / plain:.2f}×)")
            else:
                cells.append(f"{mib(r[key]):.1f}")
        return f"| {mode} | " + " | ".join(cells) + " |"

    header = "| mode | " + " | ".join(f"{n} replica{'s' if n > 1 else ''}" for n in replicas) + " |"
    rule = "|---|" + "---:|" * len(replicas)
    mapped = [r for r in rss if r["mode"] == "mapped"]
    worst = max(r["rss_kib"] for r in mapped) / plain if mapped else None
    date = datetime.date.today().isoformat()
    load = data.get("load_average", os.getloadavg()[0])
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    lines = [REPLICAS_BEGIN, "## Replicas and shared weights", "",
             f"`zrt_bench_replica_rss` (`make bench`), {date}, {cpu_model()}, {platform.system()} "
             f"{platform.release()}, ORT {data['ort_version']}, zrt {git_commit(root)}, load average {load:.1f} on "
             f"{os.cpu_count()} CPUs as the timing began. Model: Y = MatMul(X[batch,4096], W[4096,4096] float), "
             f"{data['weights_mib']} MiB of weights, 1 intra-op thread per replica, batch 1 for memory. Each memory "
             "figure comes from a fresh process.", ""]
    lines += [f"- **{m}**: {MODES[m]}" for m in modes]
    lines += ["", "RSS after building the replicas and one run on each, minus RSS before (MiB; × one plain "
              "session):", "", header, rule]
    lines += [row(m, "rss_kib", True) for m in modes]
    if worst is not None:
        verdict = "met" if worst <= GOAL else "missed"
        lines += ["", f"Mapped replicas at any count: at most {worst:.2f}× one plain session "
                      f"(goal ≤ {GOAL:.2f}×: {verdict})."]
    lines += ["", "Peak RSS while the replicas are built (VmHWM, reset before the build, minus RSS before; MiB). "
              "ORT prepacks every replica into a fresh buffer before it finds the shared copy, so building a "
              "second shared or mapped replica briefly holds the weights three times over:", "", header, rule]
    lines += [row(m, "peak_kib", False) for m in modes]
    speed = data["speed"]
    lines += ["", f"Speed, one replica of each in one process, timed in {data['rounds']} interleaved rounds (5 runs "
                  "per round at batch 1, 1 at batch 16; µs per run). CPU is the running thread's CPU time, which "
                  "leaves out waits for a core on a busy machine; its ratio is the steadier comparison. At batch 1 "
                  "MatMul reads all of W for one row and is bound by memory bandwidth, so prepacking changes little; "
                  "at batch 16 it is bound by arithmetic, and the prepacked kernel is the faster:", "",
              "| mode | batch | p50 | p90 | CPU p50 | CPU p50 × plain |", "|---|---:|---:|---:|---:|---:|"]
    for s in speed:
        base = next(b for b in speed if b["mode"] == "plain" and b["batch"] == s["batch"])["cpu_p50_us"]
        lines.append(f"| {s['mode']} | {s['batch']} | {s['p50_us']:.0f} | {s['p90_us']:.0f} | "
                     f"{s['cpu_p50_us']:.0f} | {s['cpu_p50_us'] / base:.2f} |")
    costs = []
    for batch in sorted({s["batch"] for s in speed}):
        packed = next((s for s in speed if s["mode"] == "mapped" and s["batch"] == batch), None)
        unpacked = next((s for s in speed if s["mode"] == "mapped-nopack" and s["batch"] == batch), None)
        if packed and unpacked:
            costs.append(f"{unpacked['cpu_p50_us'] / packed['cpu_p50_us']:.2f}× at batch {batch}")
    if costs:
        lines += ["", "Prepacking off (mapped-nopack against mapped, CPU p50): " + ", ".join(costs) + "."]
    lines += [REPLICAS_END]
    return "\n".join(lines)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    md, results = sys.argv[1], sys.argv[2]
    with open(results) as f:
        new = section(json.load(f))
    write_section(md, REPLICAS_BEGIN, REPLICAS_END, new, before=("<!-- devices:begin -->", "<!-- soak:begin -->"))


if __name__ == "__main__":
    main()
