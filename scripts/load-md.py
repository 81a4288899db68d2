#!/usr/bin/python3
"""Writes the load section of BENCHMARKS.md and its SVG plot from `zrt bench --load` JSON.

    scripts/load-md.py BENCHMARKS.md LOAD.svg RUN.json...

Each RUN.json is one `zrt bench --load --clients C --json` run (scripts/bench-all.sh makes
one per client count, closed loop: the sweep, the crossover, the goal check and the plot,
and one open-loop run with --rate: a table of its own). The section sits between LOAD_BEGIN and LOAD_END and is replaced
in place (appended when the file has none); scripts/benchmarks-md.py keeps it when it
rewrites the rest of the file.
"""
import datetime
import json
import math
import os
import platform
import sys

from machine_info import cpu_model, git_commit  # scripts/machine_info.py
from md_section import write_section  # scripts/md_section.py

LOAD_BEGIN = "<!-- load:begin -->"
LOAD_END = "<!-- load:end -->"
STRATEGIES = ["lanes", "pool", "batcher", "cxx_shared"]
PER_REQUEST = ["lanes", "pool", "cxx_shared"]
DESCRIPTIONS = {
    "lanes": "one zrt lane per client thread, at most one per core (`Runtime::replicated`; clients beyond the "
             "cores take turns on the lanes)",
    "pool": "a zrt `Pool`, one lane and one worker thread per core, the client waiting for the completion callback",
    "batcher": "a zrt `Batcher` with default settings on the shared session, the client waiting for the completion "
               "callback",
    "cxx_shared": "every client thread calls ORT's C++ `Session::Run` on one shared session",
}
COLORS = {"lanes": "#1f77b4", "pool": "#2ca02c", "batcher": "#d62728", "cxx_shared": "#ff7f0e"}
# The goal (issue 11): at GOAL_CLIENTS clients the batcher gives at least THROUGHPUT_MIN
# times the best per-request strategy's throughput at a p99 at most P99_MAX times its p99.
GOAL_CLIENTS = 16
THROUGHPUT_MIN = 2.0
P99_MAX = 2.0


def ran(s):
    return s is not None and "error" not in s and s.get("throughput_rps", 0) > 0


def best_per_request(load):
    runs = [(n, load["strategies"].get(n)) for n in PER_REQUEST]
    runs = [(n, s) for n, s in runs if ran(s)]
    return max(runs, key=lambda r: r[1]["throughput_rps"]) if runs else (None, None)


def us(v):
    return f"{v:,.0f}" if v >= 1000 else f"{v:.1f}" if v >= 10 else f"{v:.2f}"


def nice_log_ticks(lo, hi):
    ticks = []
    e = math.floor(math.log10(lo))
    while 10 ** e <= hi * 1.0001:
        for m in (1, 2, 5):
            v = m * 10 ** e
            if lo <= v <= hi:
                ticks.append(v)
        e += 1
    return ticks


def svg(runs):
    """Throughput against p99 (log scale), one line per strategy, a point per client count."""
    w, h = 820, 440
    left, right, top, bottom = 80, 170, 44, 56
    pw, ph = w - left - right, h - top - bottom
    points = {n: [] for n in STRATEGIES}
    for data in runs:
        load = data["load"]
        for n in STRATEGIES:
            s = load["strategies"].get(n)
            if ran(s):
                points[n].append((load["clients"], s["p99_us"], s["throughput_rps"]))
    p99s = [p[1] for ps in points.values() for p in ps] or [1, 10]
    rps = [p[2] for ps in points.values() for p in ps] or [1]
    xlo = 10 ** math.floor(math.log10(max(min(p99s), 1e-3)))
    xhi = 10 ** math.ceil(math.log10(max(p99s)))
    if xhi <= xlo:
        xhi = xlo * 10
    yhi = max(rps) * 1.1
    step = 10 ** math.floor(math.log10(yhi / 5))
    step *= 2 if yhi / step > 10 else 1
    yhi = math.ceil(yhi / step) * step

    def x(v):
        return left + (math.log10(v) - math.log10(xlo)) / (math.log10(xhi) - math.log10(xlo)) * pw

    def y(v):
        return top + (yhi - v) / yhi * ph

    model = runs[0]["model"] if runs else "?"
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
           'font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left + pw / 2:.0f}" y="22" text-anchor="middle" font-size="14">'
           f'zrt bench --load: throughput vs p99, {model}, closed loop, one point per client count</text>']
    v = 0.0
    while v <= yhi + step / 2:
        out.append(f'<line x1="{left}" y1="{y(v):.1f}" x2="{left + pw}" y2="{y(v):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v / 1000:g}k</text>')
        v += step
    for t in nice_log_ticks(xlo, xhi):
        out.append(f'<line x1="{x(t):.1f}" y1="{top}" x2="{x(t):.1f}" y2="{top + ph}" stroke="#eee"/>')
        out.append(f'<text x="{x(t):.1f}" y="{top + ph + 16}" text-anchor="middle">{t:g}</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#444"/>')
    out.append(f'<text x="{left + pw / 2:.0f}" y="{h - 14}" text-anchor="middle">p99 latency (µs, log scale)</text>')
    out.append(f'<text x="18" y="{top + ph / 2:.0f}" text-anchor="middle" '
               f'transform="rotate(-90 18 {top + ph / 2:.0f})">throughput (requests/s)</text>')
    ly = top + 14
    for n in STRATEGIES:
        color = COLORS[n]
        ps = sorted(points[n])
        if ps:
            pts = " ".join(f"{x(p99):.1f},{y(r):.1f}" for _, p99, r in ps)
            out.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2"/>')
            for c, p99, r in ps:
                out.append(f'<circle cx="{x(p99):.1f}" cy="{y(r):.1f}" r="3.5" fill="{color}"/>')
                out.append(f'<text x="{x(p99) + 5:.1f}" y="{y(r) - 5:.1f}" font-size="10" fill="{color}">{c}</text>')
        out.append(f'<line x1="{left + pw + 14}" y1="{ly}" x2="{left + pw + 40}" y2="{ly}" stroke="{color}" '
                   'stroke-width="2"/>')
        out.append(f'<text x="{left + pw + 46}" y="{ly + 4}">{n}{"" if ps else " (no data)"}</text>')
        ly += 20
    out.append(f'<text x="{left + pw + 14}" y="{ly + 8}" font-size="10" fill="#555">labels: client threads</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def crossover(runs):
    """Where batching starts to pay: the fewest clients at which the batcher's throughput
    beats the best per-request strategy's."""
    rows = []
    for data in runs:
        load = data["load"]
        b = load["strategies"].get("batcher")
        name, best = best_per_request(load)
        if ran(b) and best:
            rows.append((load["clients"], b, name, best))
    if not rows:
        return "The batcher did not run, so there is no crossover to give."
    ahead = [r for r in rows if r[1]["throughput_rps"] > r[3]["throughput_rps"]]
    if not ahead:
        c, b, name, best = max(rows, key=lambda r: r[1]["throughput_rps"] / r[3]["throughput_rps"])
        return (f"Crossover: none in this sweep — at no client count did the batcher's throughput beat the best "
                f"per-request strategy's; its best showing was at {c} clients, "
                f"{b['throughput_rps'] / best['throughput_rps']:.2f}× the throughput of {name}.")
    c, b, name, best = ahead[0]
    text = (f"Crossover: batching starts to pay at {c} client{'s' if c != 1 else ''} — the batcher "
            f"{b['throughput_rps']:,.0f} requests/s (mean batch {b['mean_batch']:.2f}) against {name}, the best "
            f"per-request strategy, at {best['throughput_rps']:,.0f} "
            f"({b['throughput_rps'] / best['throughput_rps']:.2f}×)")
    behind = [r for r in rows if r[0] > c and r[1]["throughput_rps"] <= r[3]["throughput_rps"]]
    if behind:
        text += f"; it falls behind again at {', '.join(str(r[0]) for r in behind)} clients"
    return text + "."


def goal(runs):
    data = next((d for d in runs if d["load"]["clients"] == GOAL_CLIENTS), None)
    if data is None:
        return f"Goal ({GOAL_CLIENTS} clients): not measured in this sweep."
    load = data["load"]
    b = load["strategies"].get("batcher")
    name, best = best_per_request(load)
    if not ran(b) or best is None:
        why = b.get("error", "no requests") if b else "not run"
        return f"Goal ({GOAL_CLIENTS} clients): cannot be checked — the batcher did not run ({why})."
    t = b["throughput_rps"] / best["throughput_rps"]
    p = b["p99_us"] / best["p99_us"]
    met = t >= THROUGHPUT_MIN and p <= P99_MAX
    text = (f"Goal ({GOAL_CLIENTS} client threads on {load['cores']} cores: the batcher at ≥ {THROUGHPUT_MIN:g}× "
            f"the "
            f"best per-request strategy's throughput with a p99 ≤ {P99_MAX:g}× its p99): "
            f"{'✓ met' if met else '✗ missed'}. The best per-request strategy is {name} "
            f"({best['throughput_rps']:,.0f} requests/s, p99 {us(best['p99_us'])} µs); the batcher gives "
            f"{b['throughput_rps']:,.0f} requests/s ({t:.2f}×) at p99 {us(b['p99_us'])} µs ({p:.2f}×), "
            f"mean batch {b['mean_batch']:.2f}.")
    if not met:
        misses = []
        if t < THROUGHPUT_MIN:
            misses.append(f"throughput {t:.2f}× where {THROUGHPUT_MIN:g}× was the aim "
                          f"({100 * (1 - t / THROUGHPUT_MIN):.0f} % short)")
        if p > P99_MAX:
            misses.append(f"p99 {p:.2f}× where at most {P99_MAX:g}× was the aim ({p / P99_MAX:.1f}× over)")
        text += " Missed by: " + "; ".join(misses) + "."
        text += (f" CPU time per request: the batcher {us(b['cpu_us_per_request'])} µs, {name} "
                 f"{us(best['cpu_us_per_request'])} µs")
        text += (" — the handoff of each request (submit, queue, waking the client that waits for it) costs more "
                 "than batching saves on this model." if b["cpu_us_per_request"] > best["cpu_us_per_request"] else ".")
    return text


def small_loads(runs):
    """Below the largest batch size a batch never fills, so it waits out the delay."""
    few = [d["load"] for d in runs if d["load"]["clients"] < 8 and ran(d["load"]["strategies"].get("batcher"))]
    if not few:
        return []
    lo = few[0]
    b = lo["strategies"]["batcher"]
    return [f"With fewer clients than the largest batch (8 rows) a batch cannot fill, so it is dispatched when its "
            f"oldest request has waited the delay: at {lo['clients']} client{'s' if lo['clients'] != 1 else ''} the "
            f"batcher's p50 is {us(b['p50_us'])} µs (mean batch {b['mean_batch']:.2f}), which caps its throughput "
            f"near clients / p50.", ""]


def strategy_row(load, n, best, lead):
    s = load["strategies"].get(n)
    if s is None:
        return []
    if not ran(s):
        return [f"| {lead}{n} | unavailable: {s.get('error', 'no requests')} | | | | | | | |"]
    vs = f"{s['throughput_rps'] / best['throughput_rps']:.2f}×" if best else "–"
    return [f"| {lead}{n} | {s['throughput_rps']:,.0f} | {us(s['p50_us'])} | {us(s['p99_us'])} | {us(s['p999_us'])} "
            f"| {s['mean_batch']:.2f} | {us(s['cpu_us_per_request'])} | {s.get('context_switches_per_request', 0):.3g} "
            f"| {vs} |"]


def open_loop(open_runs):
    """The same strategies at a fixed arrival rate: latency from each request's scheduled
    arrival, so the time a request waits for a client or a core counts."""
    lines = []
    for data in sorted(open_runs, key=lambda d: (d["load"]["clients"], d["load"]["rate_rps"])):
        load = data["load"]
        _, best = best_per_request(load)
        lines += [f"Open loop: {load['clients']} clients, Poisson arrivals at {load['rate_rps']:,.0f} requests/s in "
                  f"all, latency from each request's scheduled arrival (so queueing behind a busy client or core "
                  f"counts), {load['duration_s']:g} s per strategy:", "",
                  "| strategy | requests/s | p50 µs | p99 µs | p99.9 µs | mean batch | CPU µs/request "
                  "| context switches/request | vs best per-request |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for n in STRATEGIES:
            lines += strategy_row(load, n, best, "")
        lines.append("")
    return lines


def section(runs, open_runs, svg_rel, root):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    first = runs[0]
    load0 = first["load"]
    mode = "closed loop (each client submits a request and waits for it)"
    lines = [LOAD_BEGIN, "## Load", "",
             "Generated by `make bench` (scripts/bench-all.sh runs `zrt bench --load` once per client count → "
             "scripts/load-md.py), which replaces this section in place.", "",
             f"- date: {now}, commit {git_commit(root)}; machine: {cpu_model()}, {os.cpu_count()} logical CPUs, "
             f"Linux {platform.release()}; load average {os.getloadavg()[0]:.2f} when written (other work on the "
             f"machine shares the cores); ONNX Runtime {first['ort_version']}, "
             f"{first['config']['intra_op_threads']} intra-op thread.",
             f"- model: {first['model']} ({first['description']}); {mode}; {load0['duration_s']:g} s per strategy "
             f"and client count in {load0['rounds']} interleaved rounds.",
             "- strategies: " + "; ".join(f"**{n}**: {DESCRIPTIONS[n]}" for n in STRATEGIES) + ".",
             "- CPU µs/request: the process's CPU time over the measured windows divided by the requests completed "
             "in them; context switches/request likewise (getrusage: voluntary and involuntary).", "",
             "| clients | strategy | requests/s | p50 µs | p99 µs | p99.9 µs | mean batch | CPU µs/request "
             "| context switches/request | vs best per-request |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for data in runs:
        load = data["load"]
        _, best = best_per_request(load)
        for n in STRATEGIES:
            lines += strategy_row(load, n, best, f"{load['clients']} | ")
    lines += ["", crossover(runs), ""] + small_loads(runs) + [goal(runs), ""] + open_loop(open_runs)
    lines += [f"![Throughput vs p99 per strategy, closed loop]({svg_rel})", "", LOAD_END]
    return "\n".join(lines)


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: load-md.py BENCHMARKS.md LOAD.svg RUN.json...")
    md_path, svg_path = sys.argv[1:3]
    runs = []
    for path in sys.argv[3:]:
        try:
            with open(path) as f:
                runs.append(json.load(f))
        except (OSError, ValueError) as e:
            print(f"load-md.py: skipping {path}: {e}", file=sys.stderr)
    runs = [r for r in runs if r.get("load")]
    open_runs = [r for r in runs if r["load"].get("mode") == "open"]
    runs = sorted((r for r in runs if r["load"].get("mode") != "open"), key=lambda d: d["load"]["clients"])
    if not runs:
        sys.exit("load-md.py: no closed-loop `zrt bench --load` results to write")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    os.makedirs(os.path.dirname(os.path.abspath(svg_path)), exist_ok=True)
    with open(svg_path, "w") as f:
        f.write(svg(runs))
    svg_rel = os.path.relpath(os.path.abspath(svg_path), os.path.dirname(os.path.abspath(md_path)))
    new = section(runs, open_runs, svg_rel, root)
    write_section(md_path, LOAD_BEGIN, LOAD_END, new)
    print(f"wrote {svg_path} and the load section of {md_path}")


if __name__ == "__main__":
    main()
