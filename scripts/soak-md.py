#!/usr/bin/python3
"""Writes the soak section of BENCHMARKS.md and its SVG plot from zrt_bench_soak's JSON.

    scripts/soak-md.py BENCHMARKS.md SOAK.svg RUN.json [RUN_NO_TELEMETRY.json]

RUN.json is the soak with ORT's defaults; the optional second one the same soak with
ORT_DISABLE_TELEMETRY=1 (`make soak` writes both). The section sits between SOAK_BEGIN
and SOAK_END and is replaced in place (appended when the file has none);
scripts/benchmarks-md.py keeps it when `make bench` rewrites the rest of the file.
"""
import datetime
import json
import os
import platform
import sys

from machine_info import cpu_model, git_commit  # scripts/machine_info.py
from md_section import write_section  # scripts/md_section.py

SOAK_BEGIN = "<!-- soak:begin -->"
SOAK_END = "<!-- soak:end -->"
COLORS = {"lane": "#1f77b4", "run": "#ff7f0e", "failing": "#d62728", "create": "#2ca02c"}


def mib(kib):
    return kib / 1024.0


def count(n):
    for div, suffix in ((1_000_000, " M"), (1_000, " k")):
        if n >= div and n % div == 0:
            return f"{n // div}{suffix}"
    return f"{n:,}"


def checkpoints(phase):
    return [s for s in phase["samples"] if s["checkpoint"]]


def run_label(data):
    return "ORT_DISABLE_TELEMETRY=1" if data.get("ort_disable_telemetry") else "ORT defaults"


def svg(runs):
    w, h = 800, 400
    left, right, top, bottom = 70, 220, 40, 50
    pw, ph = w - left - right, h - top - bottom
    values = [mib(s["rss_kib"]) for data in runs for p in data["phases"] for s in checkpoints(p)]
    lo, hi = min(values), max(values)
    if hi - lo < 2:  # at least a 2 MiB range, so a flat line looks flat
        mid = (hi + lo) / 2
        lo, hi = mid - 1, mid + 1
    pad = (hi - lo) * 0.08
    lo, hi = lo - pad, hi + pad

    def x(progress):
        return left + progress * pw

    def y(v):
        return top + (hi - v) / (hi - lo) * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
           'font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left + pw / 2:.0f}" y="22" text-anchor="middle" font-size="14">'
           f'zrt soak: VmRSS over each phase (MLP 784-128-10, ORT {runs[0]["ort_version"]})</text>']
    steps = 6
    for i in range(steps + 1):
        v = lo + (hi - lo) * i / steps
        out.append(f'<line x1="{left}" y1="{y(v):.1f}" x2="{left + pw}" y2="{y(v):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.1f}</text>')
    for i in range(11):
        px = x(i / 10)
        out.append(f'<line x1="{px:.1f}" y1="{top}" x2="{px:.1f}" y2="{top + ph}" stroke="#eee"/>')
        out.append(f'<text x="{px:.1f}" y="{top + ph + 16}" text-anchor="middle">{i * 10}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>')
    out.append(f'<text x="{left + pw / 2:.0f}" y="{h - 12}" text-anchor="middle">progress of the phase (%)</text>')
    out.append(f'<text x="16" y="{top + ph / 2:.0f}" text-anchor="middle" '
               f'transform="rotate(-90 16 {top + ph / 2:.0f})">VmRSS (MiB)</text>')
    ly = top + 14
    for r, data in enumerate(runs):
        dash = "" if r == 0 else ' stroke-dasharray="6 4"'
        out.append(f'<line x1="{left + pw + 14}" y1="{ly}" x2="{left + pw + 44}" y2="{ly}" stroke="#333" '
                   f'stroke-width="2"{dash}/>')
        out.append(f'<text x="{left + pw + 50}" y="{ly + 4}">{run_label(data)}</text>')
        ly += 20
        for p in data["phases"]:
            color = COLORS.get(p["name"], "#555")
            pts = " ".join(f"{x(s['progress']):.1f},{y(mib(s['rss_kib'])):.1f}" for s in checkpoints(p))
            out.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
            for s in checkpoints(p):
                out.append(f'<circle cx="{x(s["progress"]):.1f}" cy="{y(mib(s["rss_kib"])):.1f}" r="2.5" '
                           f'fill="{color}"/>')
            delta = mib(p["rss_end_kib"] - p["rss_10_kib"])
            out.append(f'<line x1="{left + pw + 22}" y1="{ly - 4}" x2="{left + pw + 40}" y2="{ly - 4}" '
                       f'stroke="{color}" stroke-width="2"{dash}/>')
            out.append(f'<text x="{left + pw + 46}" y="{ly}" font-size="11">{p["name"]} ({count(p["count"])}): '
                       f'end − 10 % {delta:+.2f} MiB</text>')
            ly += 16
        ly += 10
    out.append("</svg>")
    return "\n".join(out) + "\n"


def sample_rows(label, phase):
    rows = []
    for s in phase["samples"]:
        a = s.get("arena")
        pct = f"{100 * s['progress']:.0f} %" if s["checkpoint"] else ""
        arena = (f"{a['total_allocated'] / 1024:.1f} | {a['in_use'] / 1024:.1f} | {a['num_allocs']:,} "
                 f"| {a['num_arena_extensions']}") if a else "– | – | – | –"
        rows.append(f"| {label} | {phase['name']} | {s['done']:,} | {pct} | {mib(s['rss_kib']):.2f} "
                    f"| {mib(s['rss_anon_kib']):.2f} | {mib(s['rss_file_kib']):.2f} | {s['threads']} | {arena} |")
    return rows


def plural(n, word):
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def arena_summary(data):
    """What the figures show, stated from the figures."""
    kib = lambda b: f"{b / 1024:.1f} KiB"  # noqa: E731
    phases = [p for p in data["phases"] if any(s.get("arena") for s in p["samples"])]
    if not phases:
        return ["The session's arena kept no statistics in this run (see the program's output)."]
    first = phases[0]
    samples = [s for p in phases for s in p["samples"] if s.get("arena")]
    start, end = samples[0]["arena"], samples[-1]["arena"]
    after_one = next((s for s in first["samples"] if s["done"] == 1 and s.get("arena")), None)
    text = (f"ORT's CPU arena (the session's default allocator; statistics from `zrt::Allocator::stats()`) had "
            f"reserved {kib(start['total_allocated'])} before the first run, {kib(start['in_use'])} of it in use "
            f"(the model's weights and biases are {kib(data['weights_bytes'])})")
    if after_one:
        a = after_one["arena"]
        n = a["num_arena_extensions"] - start["num_arena_extensions"]
        text += (f". The first lane run extended it {'once' if n == 1 else plural(n, 'time')} by "
                 f"{kib(a['total_allocated'] - start['total_allocated'])} to {kib(a['total_allocated'])} "
                 f"(peak in use {kib(a['max_in_use'])})")
    runs = sum(p["count"] for p in phases)
    text += (f". After the {', '.join(p['name'] for p in phases)} phases ({runs:,} iterations on this session) it "
             f"had reserved {kib(end['total_allocated'])}, after {plural(end['num_arena_extensions'], 'extension')} "
             f"and {plural(end['num_arena_shrinkages'], 'shrinkage')} in all, {kib(end['in_use'])} in use, peak "
             f"{kib(end['max_in_use'])}. ")
    reserved = sorted({s["arena"]["total_allocated"] for s in samples[1:]})  # every sample after the first run
    flat = len(reserved) == 1
    if flat:
        text += "From the first run on, its reserved size was the same at every sample. "
    elif reserved:
        text += f"From the first run on, its reserved size ranged over {kib(reserved[0])}–{kib(reserved[-1])}. "
    per_run = {}
    for p in phases:
        cps = checkpoints(p)
        if len(cps) >= 2 and p["count"]:
            per_run[p["name"]] = (cps[-1]["arena"]["num_allocs"] - cps[0]["arena"]["num_allocs"]) / p["count"]
    if per_run:
        text += ("Arena allocations per iteration" + (" (all served from that reserved memory)" if flat else "")
                 + ": " + ", ".join(f"{k} {v:.3g}" for k, v in per_run.items()) + ". ")
        failing = next((p for p in phases if p["name"] == "failing"), None)
        if failing and "run" in per_run and failing.get("good_runs_checked"):
            cps = checkpoints(failing)
            allocs = cps[-1]["arena"]["num_allocs"] - cps[0]["arena"]["num_allocs"]
            if allocs == round(per_run["run"] * failing["good_runs_checked"]):
                text += (f"The failing phase's {allocs:,} arena allocations are those of its "
                         f"{plural(failing['good_runs_checked'], 'good check run')}: the bad runs allocated nothing "
                         "from the arena. ")
    cps = checkpoints(first)
    one = next((s for s in first["samples"] if s["done"] == 1), None)
    if one and len(cps) >= 2:
        text += (f"Process VmRSS: {mib(cps[0]['rss_kib']):.2f} MiB before the first lane run, "
                 f"{mib(one['rss_kib']):.2f} MiB after it, {mib(cps[1]['rss_kib']):.2f} MiB at 10 % and "
                 f"{mib(cps[-1]['rss_kib']):.2f} MiB at the end of the lane phase.")
    return [text.strip()]


def span(values):
    values = sorted(set(values))
    return str(values[0]) if len(values) == 1 else f"{values[0]}–{values[-1]}"


def telemetry_summary(runs):
    """Where the two runs differ: ORT's telemetry thread on (defaults) and off."""
    if len(runs) < 2:
        return []
    on, off = runs

    def threads(data):
        return span(s["threads"] for p in data["phases"] for s in p["samples"])

    def deltas(data):
        return ", ".join(f"{p['name']} {mib(p['rss_end_kib'] - p['rss_10_kib']):+.2f}" for p in data["phases"])

    l_on, l_off = checkpoints(on["phases"][0]), checkpoints(off["phases"][0])
    text = (f"Threads in the process at the samples: {threads(on)} with ORT's defaults, {threads(off)} with "
            f"ORT_DISABLE_TELEMETRY=1. RSS before the first lane run: {mib(l_on[0]['rss_kib']):.2f} MiB with the "
            f"defaults, {mib(l_off[0]['rss_kib']):.2f} MiB with telemetry off. RSS at the end minus RSS at 10 % "
            f"(MiB): {deltas(on)} with the defaults; {deltas(off)} with telemetry off.")
    lane = on["phases"][0]
    c10, cend = checkpoints(lane)[1], checkpoints(lane)[-1]
    text += (f" In the defaults run's {lane['name']} phase, from 10 % to the end RssAnon changed by "
             f"{mib(cend['rss_anon_kib'] - c10['rss_anon_kib']):+.2f} MiB and RssFile (mapped library pages) by "
             f"{mib(cend['rss_file_kib'] - c10['rss_file_kib']):+.2f} MiB")
    if c10.get("arena") and cend.get("arena"):
        same = c10["arena"]["total_allocated"] == cend["arena"]["total_allocated"]
        text += (", while the arena's reserved size " + ("stayed the same" if same else
                 f"went from {c10['arena']['total_allocated'] / 1024:.1f} to "
                 f"{cend['arena']['total_allocated'] / 1024:.1f} KiB"))
    text += "."
    ranges = []
    for d in runs:
        c = next((p for p in d["phases"] if p["name"] == "create"), None)
        if c:
            cps = checkpoints(c)[1:]
            ranges.append(f"{mib(min(x['rss_kib'] for x in cps)):.2f}–{mib(max(x['rss_kib'] for x in cps)):.2f} MiB "
                          f"({run_label(d)}, {c['per_s']:,.0f} cycles/s)")
    if ranges:
        text += " From its 10 % point to its end, the create phase's RSS ranged over " + " and ".join(ranges) + "."
    return [text, "",
            "Why (traced with strace on this machine, ORT 1.29.0): the official Linux build starts a telemetry "
            "thread (Microsoft's 1DS SDK) with the first ORT environment. It keeps a SQLite store under "
            "`~/.cache/Microsoft/DeveloperTools/.onnxruntime/`, and about 9 s after start it spawned short-lived "
            "threads that tried to upload (DNS lookups; this machine has no network), whatever the run path was "
            "doing. `OrtApi::DisableTelemetryEvents` on the environment did not stop that; `ORT_DISABLE_TELEMETRY=1` "
            "in the process environment did (no thread, no store)."]


def section(runs, svg_rel, root):
    data = runs[0]
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    goal = mib(data["goal_kib"])
    lines = [SOAK_BEGIN, "## Soak", "",
             "Generated by `make soak` (bench/soak.cpp → scripts/soak-md.py), which replaces this section in place; "
             "`make bench` keeps it.", "",
             f"- date: {now}, commit {git_commit(root)}; machine: {cpu_model()}, {os.cpu_count()} logical CPUs, "
             f"Linux {platform.release()}; ONNX Runtime {data['ort_version']}, CPU execution provider, "
             f"{data['intra_op_threads']} intra-op thread.",
             f"- model: {data['model']}. One process per run, phases in the order below, one session for the first "
             "three. Every output is compared with the exact reference (the input changes every 1,000 runs); the "
             "failing phase checks a good run on the same session and `Outputs` after every 1,000 bad ones.",
             f"- runs: {' and '.join(run_label(d) for d in runs)} (each a separate process). VmRSS from "
             f"/proc/self/status at each phase's start and every 10 % of it. Goal: RSS at the end within {goal:g} MiB "
             "of RSS at 10 %.", "",
             "| run | phase | what | iterations | per second | RSS start MiB | RSS 10 % MiB | RSS end MiB "
             f"| end − 10 % MiB | goal (≤ {goal:g} MiB) |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for d in runs:
        for p in d["phases"]:
            cps = checkpoints(p)
            delta = mib(p["rss_end_kib"] - p["rss_10_kib"])
            lines.append(f"| {run_label(d)} | {p['name']} | {p['title']} | {count(p['count'])} | {p['per_s']:,.0f} "
                         f"| {mib(cps[0]['rss_kib']):.2f} | {mib(p['rss_10_kib']):.2f} | {mib(p['rss_end_kib']):.2f} "
                         f"| {delta:+.3f} | {'✓ pass' if p['pass'] else '✗ missed'} |")
    lines += ["", "Throughput is wall-clock over each whole phase (checks included) on a shared 2-core machine.", "",
              f"![VmRSS over each soak phase]({svg_rel})", ""]
    failing = next((p for p in data["phases"] if p["name"] == "failing"), None)
    if failing and failing.get("kinds"):
        lines += ["Failing runs, cycled in turn (each threw `zrt::Error`; first message shown):", ""]
        for k in failing["kinds"]:
            lines.append(f"- {k['kind']} ({k['thrown']:,}): `{k['message']}`")
        lines.append("")
    lines += ["### ORT's arena over time", ""]
    lines += arena_summary(data)
    tele = telemetry_summary(runs)
    if tele:
        lines += ["", "### ORT's telemetry thread", ""] + tele
    lines += ["", "<details><summary>Every sample: at the start, after the first 1, 10, 100, 1,000 and 10,000 "
                  "iterations and every 10 % (arena: the session's CPU arena, KiB; none for the create phase, whose "
                  "sessions are each new)</summary>", "",
              "| run | phase | iterations done | progress | VmRSS MiB | RssAnon MiB | RssFile MiB | threads "
              "| arena reserved KiB | arena in use KiB | arena allocs | arena extensions |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for d in runs:
        for p in d["phases"]:
            lines += sample_rows(run_label(d), p)
    lines += ["", "</details>", SOAK_END]
    return "\n".join(lines)


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: soak-md.py BENCHMARKS.md SOAK.svg RUN.json [RUN_NO_TELEMETRY.json]")
    md_path, svg_path = sys.argv[1:3]
    runs = []
    for path in sys.argv[3:]:
        with open(path) as f:
            runs.append(json.load(f))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.makedirs(os.path.dirname(os.path.abspath(svg_path)), exist_ok=True)
    with open(svg_path, "w") as f:
        f.write(svg(runs))
    svg_rel = os.path.relpath(os.path.abspath(svg_path), os.path.dirname(os.path.abspath(md_path)))
    new = section(runs, svg_rel, root)
    write_section(md_path, SOAK_BEGIN, SOAK_END, new)
    print(f"wrote {svg_path} and the soak section of {md_path}")


if __name__ == "__main__":
    main()
