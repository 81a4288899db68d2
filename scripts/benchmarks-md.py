#!/usr/bin/python3
"""Writes BENCHMARKS.md from the JSON files scripts/bench-all.sh leaves behind.

    scripts/benchmarks-md.py RESULTS_DIR OUT.md [--duration S]

RESULTS_DIR holds models/models.json (scripts/bench-models.py), bench_<name>.json
(`zrt bench --json`) and tune_<name>.json (`zrt tune --json`) per model, and
bench_<name>.log for a model whose bench failed.
"""
import argparse
import datetime
import json
import os
import platform

from machine_info import cpu_model, git_commit  # scripts/machine_info.py

# The targets: issue 4 (lanes, prepared runs, zrt_run, lanes scaling, tune) and issue 9
# (zrt_run_view; the floor c_binding now keeps a RunOptions, as every zrt hot path does).
LANE_MAX = 1.02
PREPARED_MAX = 1.05
RUN_MAX_TINY = 0.85
RUN_MAX = 1.0
LANES_MIN = 1.8
TUNE_MIN_GAIN = 0.10

# The soak section (`make soak`, scripts/soak-md.py) between these markers is kept as is.
SOAK_BEGIN = "<!-- soak:begin -->"
SOAK_END = "<!-- soak:end -->"
# So is the replicas section (zrt_bench_replica_rss, scripts/replica-md.py).
REPLICAS_BEGIN = "<!-- replicas:begin -->"
REPLICAS_END = "<!-- replicas:end -->"
# So is the shared-allocator section (zrt_bench_env_allocator_rss, scripts/env-allocators-md.py).
ENV_ALLOCATORS_BEGIN = "<!-- env_allocators:begin -->"
ENV_ALLOCATORS_END = "<!-- env_allocators:end -->"
# So is the device section (`zrt bench --ep webgpu`, measured by hand).
DEVICES_BEGIN = "<!-- devices:begin -->"
DEVICES_END = "<!-- devices:end -->"
# So is the load section (`zrt bench --load`, written by scripts/load-md.py).
LOAD_BEGIN = "<!-- load:begin -->"
LOAD_END = "<!-- load:end -->"

PATH_ORDER = ["c_binding", "cxx_run", "cxx_binding", "zrt_run", "zrt_run_view", "zrt_prepared",
              "zrt_prepared_binding", "zrt_lane", "c_binding_null"]


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def kept_soak_section(path):
    """The soak section of the existing file, unchanged ([] when there is none)."""
    return kept_section(path, SOAK_BEGIN, SOAK_END)


def kept_section(path, begin_marker, end_marker):
    """The section between the markers in the existing file, unchanged ([] when there is none)."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return []
    begin = text.find(begin_marker)
    end = text.find(end_marker, begin) if begin >= 0 else -1
    if begin < 0 or end < 0:
        return []
    return [text[begin:end + len(end_marker)], ""]


def us(v):
    if v is None:
        return "–"
    return f"{v:.1f}" if v >= 1000 else f"{v:.2f}"


def num(v, fmt="{:.2f}"):
    return "–" if v is None else fmt.format(v)


def allocs(v):
    if v is None:
        return "–"
    return f"{v:.0f}" if abs(v - round(v)) < 0.005 else f"{v:.2f}"


def mark(ok):
    return "" if ok is None else (" ✓" if ok else " ✗")


def lanes_best(bench):
    lanes = bench.get("lanes") or {}
    modes = lanes.get("modes") or {}
    best = lanes.get("best_zrt_mode")
    return lanes, modes, best


def summary_row(name, bench):
    r = bench.get("ratios", {})
    p = bench.get("paths", {})
    lane, prep, run = r.get("zrt_lane_vs_c_binding"), r.get("zrt_prepared_vs_c_binding"), r.get("zrt_run_vs_cxx_run")
    view = r.get("zrt_run_view_vs_cxx_run")
    run_max = RUN_MAX_TINY if name == "tiny" else RUN_MAX
    a = {k: (p.get(k) or {}).get("allocs_per_run") for k in ("c_binding", "zrt_lane", "zrt_prepared")}
    allocs_ok = None
    if None not in a.values():
        allocs_ok = abs(a["zrt_lane"] - a["c_binding"]) < 0.01 and abs(a["zrt_prepared"] - a["c_binding"]) < 0.01
    lanes, modes, best = lanes_best(bench)
    scale = bench.get("lanes", {}).get("best_zrt_vs_one_lane")
    vs_cxx = bench.get("lanes", {}).get("best_zrt_vs_cxx_run_shared")
    return (f"| {name} | {num(lane, '{:.3f}')}{mark(None if lane is None else lane <= LANE_MAX)} "
            f"| {num(prep, '{:.3f}')}{mark(None if prep is None else prep <= PREPARED_MAX)} "
            f"| {num(run, '{:.3f}')}{mark(None if run is None else run <= run_max)} "
            f"| {num(view, '{:.3f}')}{mark(None if view is None else view <= run_max)} "
            f"| {allocs(a['c_binding'])} / {allocs(a['zrt_lane'])} / {allocs(a['zrt_prepared'])}{mark(allocs_ok)} "
            f"| {num(scale, '{:.2f}x')}{mark(None if scale is None else scale >= LANES_MIN)} "
            f"{'(' + best + ')' if best else ''} | {num(vs_cxx, '{:.2f}x')} |")


def model_section(name, description, bench):
    lines = [f"### {name}", "", f"{description}.  "]
    inputs = ", ".join(f"`{i['name']}` {i['type']}" for i in bench.get("inputs", []))
    lines.append(f"Inputs: {inputs}.  ")
    if bench.get("carry"):
        carry = ", ".join(f"{c['output']} → {c['input']}" for c in bench["carry"])
        lines.append(f"State carry: {carry} (every path feeds each run's state into the next).  ")
    check = bench.get("check", {})
    if check:
        verdict = "bit-identical to" if check.get("identical") else f"within {check.get('rtol')} of"
        lines.append(f"Outputs of every path {verdict} `{check.get('reference')}`'s before timing "
                     f"(max abs diff {check.get('max_abs_diff', 0):.3g}).")
    lines += ["", "| path | p50 µs | p90 µs | p99 µs | p99.9 µs | mean µs | min µs | runs | runs/s | allocs/run "
              "| p50 vs c_binding |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    paths = bench.get("paths", {})
    floor = (paths.get("c_binding") or {}).get("p50_us")
    names = [n for n in PATH_ORDER if n in paths] + [n for n in paths if n not in PATH_ORDER]
    for n in names:
        s = paths[n]
        ratio = s["p50_us"] / floor if floor else None
        lines.append(f"| `{n}` | {us(s.get('p50_us'))} | {us(s.get('p90_us'))} | {us(s.get('p99_us'))} "
                     f"| {us(s.get('p999_us'))} | {us(s.get('mean_us'))} | {us(s.get('min_us'))} | {s.get('runs', 0)} "
                     f"| {s.get('throughput_per_s', 0):,.0f} | {allocs(s.get('allocs_per_run'))} "
                     f"| {num(ratio, '{:.3f}')} |")
    ratios = bench.get("ratios", {})
    if ratios:
        lines += ["", "Ratios (p50): " + ", ".join(
            f"{k.replace('_vs_', ' / ')} = {v:.3f}" for k, v in ratios.items() if v is not None) + "."]
    lanes, modes, best = lanes_best(bench)
    if modes:
        lines += ["", f"`--lanes {lanes.get('lanes')}` ({lanes.get('pinning', '')}):", "",
                  "| mode | threads | runs/s | vs one lane | p50 µs | p99 µs | allocs/run |",
                  "|---|---:|---:|---:|---:|---:|---:|"]
        for m, s in modes.items():
            star = " (best zrt)" if m == best else ""
            lines.append(f"| `{m}`{star} | {s.get('threads')} | {s.get('throughput_per_s', 0):,.0f} "
                         f"| {s.get('vs_one_lane', 0):.2f}x | {us(s.get('p50_us'))} | {us(s.get('p99_us'))} "
                         f"| {allocs(s.get('allocs_per_run'))} |")
    lines.append("")
    return lines


def gain_pm(e):
    """'9.8 % ± 0.6 %' for an estimate with gain, gain_lo and gain_hi."""
    half = 50 * (e["gain_hi"] - e["gain_lo"])
    return f"{100 * e['gain']:.1f} % ± {half:.{2 if half < 0.1 else 1}f} %"


def tune_gain(tune):
    """The best against the defaults, or '–' when the best is the defaults."""
    c = tune.get("confirmation")
    return gain_pm(c) if c else "–"


def tune_verdict(tune):
    verdict = tune.get("verdict")
    if verdict == "faster":
        return "faster: written"
    if verdict == "defaults":
        return "nothing faster found: defaults written"
    if verdict in ("noise", "slower"):
        return f"{verdict}: defaults written"
    # A file from a zrt tune before the confirmation intervals.
    return "faster: written" if not tune["recommended"].get("is_defaults") else "defaults written"


def tune_changes(tune, key="best"):
    """The options of tune[key] that differ from the defaults, as JSON."""
    d = {k: v for k, v in tune["defaults"]["options"].items() if k != "zrt_session_options"}
    o = {k: v for k, v in tune[key]["options"].items() if k != "zrt_session_options"}
    diff = {k: v for k, v in o.items() if d.get(k) != v}
    if tune[key].get("lanes"):
        diff["lanes"] = tune[key]["lanes"]
    return diff


def tune_summary(tunes):
    """The line under the headline table."""
    done = [(name, t) for name, t in tunes if t]
    if not done:
        return []
    faster = [f"{name} {tune_gain(t)}" for name, t in done if t.get("verdict") == "faster"]
    other = [name for name, t in done if t.get("verdict") != "faster"]
    budget = done[0][1]["budget_s"]
    line = (f"zrt tune (budget {budget:g} s per model, 95 % intervals): faster with confidence on {len(faster)} of "
            f"{len(done)} models")
    line += (": " + ", ".join(faster)) if faster else ""
    if other:
        line += f"; ORT's defaults kept on {', '.join(other)} (no confident gain)"
    return ["", line + "."]


def tune_section(tunes):
    lines = ["## zrt tune", ""]
    done = [(name, t) for name, t in tunes if t]
    if not done:
        return lines + ["`zrt tune` did not run or failed (see tune_<model>.log).", ""]
    first = done[0][1]
    lines.append(
        f"`zrt tune MODEL --budget {first['budget_s']:g}` per model on the `{first['path']}` path (zrt_run where a "
        f"model does not fit a lane), ranked by p50 latency of one caller, {first['cores']} cores. Coordinate descent "
        "over threads, spinning and spin duration, block sizing, optimization level, execution mode with inter-op "
        "threads, arena, memory pattern, prepacking and denormals; each step measures its values in interleaved "
        "blocks beside ORT's defaults. Then the best and the defaults alternate in interleaved blocks until the "
        f"gain's 95 % interval (Student's t over the blocks' log p50 ratios) is within ±{100 * first.get('precision', 0.01):g} % "
        "or the budget ends. The best is written only when the whole interval is a gain (verdict faster); otherwise "
        "zrt tune writes ORT's defaults, so it is never slower.")
    lines += ["", "| model | ORT defaults p50 µs | best p50 µs | gain (95 %) | verdict | best options (differences "
              "from the defaults) |", "|---|---:|---:|---:|---|---|"]
    for name, t in tunes:
        if t is None:
            lines.append(f"| {name} | failed | | | | |")
            continue
        c = t.get("confirmation") or {}
        blocks = f" ({c['blocks']} blocks)" if c.get("blocks") else ""
        changes = tune_changes(t)
        lines.append(f"| {name} | {us(t['defaults']['p50_us'])} | {us(t['best']['p50_us'])} | {tune_gain(t)}{blocks} "
                     f"| {tune_verdict(t)} | {'`' + json.dumps(changes) + '`' if changes else '–'} |")
    mlp = dict(done).get("mlp")
    if mlp:
        gain = mlp.get("gain", 0)
        lines += ["", f"Target (issue 4): the MLP's p50 at least {100 * TUNE_MIN_GAIN:.0f} % lower than ORT's defaults: "
                      f"{100 * gain:.1f} %{mark(gain >= TUNE_MIN_GAIN)}."]
    for name, t in done:
        lines += ["", f"<details><summary>{name}: every measurement</summary>", ""]
        if t.get("skipped"):
            lines += [f"The budget left no time for: {', '.join(t['skipped'])}.", ""]
        if t.get("option_gains"):
            lines += ["Each adopted value against the best before it, in its step:", "",
                      "| step | change | gain (95 %) | blocks | |", "|---|---|---:|---:|---|"]
            for g in t["option_gains"]:
                lines.append(f"| {g['dimension']} | {g['change']} | {gain_pm(g)} | {g['blocks']} | {g['verdict']} |")
            lines.append("")
        lines += ["| step | candidate | p50 µs | p99 µs | vs defaults (95 %) | blocks | |",
                  "|---|---|---:|---:|---:|---:|---|"]
        for s in t.get("steps", []):
            interval = (f" [{s['vs_defaults_lo']:.3f}, {s['vs_defaults_hi']:.3f}]"
                        if "vs_defaults_lo" in s and s.get("blocks", 0) >= 2 and s["label"] != "ORT defaults" else "")
            lines.append(f"| {s['dimension']} | {s['label']} | {us(s['p50_us'])} | {us(s['p99_us'])} "
                         f"| {s['vs_defaults']:.3f}{interval} | {s.get('blocks', '')} "
                         f"| {'adopted' if s['adopted'] else ''} |")
        lines += ["", "</details>"]
    lines.append("")
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("out")
    ap.add_argument("--duration", type=float, default=None)
    args = ap.parse_args()
    models = load(os.path.join(args.results, "models", "models.json")) or []
    benches = [(m, load(os.path.join(args.results, f"bench_{m['name']}.json"))) for m in models]
    tunes = [(m["name"], load(os.path.join(args.results, f"tune_{m['name']}.json"))) for m in models]
    tune = next((t for _, t in tunes if t), None)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

    first = next((b for _, b in benches if b), None) or {}
    ort = first.get("ort_version", tune.get("ort_version") if tune else "unknown")
    config = first.get("config", {})
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# zrt benchmarks", "",
        "Generated by `make bench` (scripts/bench-all.sh → scripts/benchmarks-md.py); do not edit by hand.", "",
        f"- date: {now}, zrt {first.get('zrt_version', '?')} (commit {git_commit(root)})",
        f"- machine: {cpu_model()}, {os.cpu_count()} logical CPUs (nproc), Linux {platform.release()}",
        f"- ONNX Runtime {ort}, CPU execution provider, intra-op threads {config.get('intra_op_threads', '?')} "
        "(zrt bench's default)",
        f"- method: one process per model, the same inputs for every path, {config.get('rounds', '?')} interleaved "
        f"rounds (round-robin over the paths), {args.duration or config.get('duration_s', '?')} s of timed runs per "
        "path; every path's outputs are checked against `cxx_run`'s first; allocations counted process-wide "
        "(ORT's own mallocs included) during each path's timed runs.",
        "- paths: `c_binding` raw C API RunWithBinding bound once with a RunOptions made once (the floor); "
        "`c_binding_null` the same with no RunOptions (ORT makes a default one inside every run); `cxx_run` ORT C++ `Session::Run` "
        "returning values (typical use); `cxx_binding` ORT C++ IoBinding bound once; `zrt_run` zrt's flexible "
        "`Session::run`; `zrt_run_view` the same into caller views; `zrt_prepared` / `zrt_prepared_binding` zrt "
        "prepared runs; `zrt_lane` a zrt lane (bind once, run many).",
        "- absolute times depend on the machine and its load; compare paths within one table.", "",
        "## Headline", "",
        f"Targets (issues 4 and 9): zrt_lane / c_binding ≤ {LANE_MAX}, zrt_prepared / c_binding ≤ {PREPARED_MAX}, "
        f"zrt_run / cxx_run and zrt_run_view / cxx_run ≤ {RUN_MAX_TINY} on tiny and ≤ {RUN_MAX} elsewhere (p50); "
        "allocations per run of "
        f"zrt_lane and zrt_prepared equal to c_binding's; best zrt lanes mode ≥ {LANES_MIN}x one lane. "
        "✓ met, ✗ missed.", "",
        "| model | zrt_lane / c_binding | zrt_prepared / c_binding | zrt_run / cxx_run | zrt_run_view / cxx_run "
        "| allocs/run c_binding / zrt_lane / zrt_prepared | lanes: best zrt vs one lane | best zrt vs ORT C++ Run, "
        "same threads |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    failed = []
    for m, b in benches:
        if b is None:
            failed.append(m["name"])
            lines.append(f"| {m['name']} | failed | | | | | | |")
        else:
            lines.append(summary_row(m["name"], b))
    lines += tune_summary(tunes)
    lines += ["", "## Models", ""]
    for m, b in benches:
        if b is None:
            log = os.path.join(args.results, f"bench_{m['name']}.log")
            tail = ""
            try:
                with open(log) as f:
                    tail = f.read().strip().splitlines()[-1]
            except (OSError, IndexError):
                pass
            lines += [f"### {m['name']}", "", f"zrt bench failed: `{tail}`", ""]
        else:
            lines += model_section(m["name"], m["description"], b)
    lines += tune_section(tunes)
    lines += kept_section(args.out, REPLICAS_BEGIN, REPLICAS_END)
    lines += kept_section(args.out, ENV_ALLOCATORS_BEGIN, ENV_ALLOCATORS_END)
    lines += kept_section(args.out, DEVICES_BEGIN, DEVICES_END)
    lines += kept_soak_section(args.out)
    lines += kept_section(args.out, LOAD_BEGIN, LOAD_END)
    with open(args.out, "w") as f:
        f.write("\n".join(lines).rstrip() + "\n")
    if failed:
        print(f"benchmarks-md.py: no results for {', '.join(failed)}")


if __name__ == "__main__":
    main()
