#!/usr/bin/python3
"""Writes the shared-allocator section of BENCHMARKS.md from zrt_bench_env_allocator_rss's JSON.

    scripts/env-allocators-md.py BENCHMARKS.md ENV_ALLOCATORS.json

The section sits between ENV_ALLOCATORS_BEGIN and ENV_ALLOCATORS_END and is replaced in
place (inserted after the replicas section, or before the device and soak sections, or
appended, when the file has none); scripts/benchmarks-md.py keeps it when `make bench`
rewrites the rest of the file.
"""
import datetime
import json
import os
import platform
import sys

from machine_info import cpu_model, git_commit  # scripts/machine_info.py
from md_section import write_section  # scripts/md_section.py

ENV_ALLOCATORS_BEGIN = "<!-- env_allocators:begin -->"
ENV_ALLOCATORS_END = "<!-- env_allocators:end -->"

MODES = {
    "own": "every session makes its own CPU arena (ORT's default)",
    "no-arena": "no arena: `SessionOptions::cpu_arena(false)`",
    "shared": "one arena registered on the Environment (`Environment::register_allocator`, default "
              "`ArenaConfig`), used by every session (`SessionOptions::use_env_allocators(true)`)",
    "shared-exact": "as shared, growing by what is asked (`ArenaExtendStrategy::SameAsRequested`)",
}


def mib(kib):
    return kib / 1024.0


def section(data):
    rss = data["rss"]
    modes = [m for m in MODES if any(r["mode"] == m for r in rss)]
    cols = sorted({(r["batch"], r["sessions"]) for r in rss})

    def cell(mode, batch, sessions):
        r = next((r for r in rss if r["mode"] == mode and r["batch"] == batch and r["sessions"] == sessions), None)
        own = next((r for r in rss if r["mode"] == "own" and r["batch"] == batch and r["sessions"] == sessions), None)
        if r is None:
            return "–"
        return f"{mib(r['rss_kib']):.1f} ({r['rss_kib'] / own['rss_kib']:.2f}×)" if own else f"{mib(r['rss_kib']):.1f}"

    header = "| mode | " + " | ".join(f"batch {b}, {n} session{'s' if n > 1 else ''}" for b, n in cols) + " |"
    rule = "|---|" + "---:|" * len(cols)
    date = datetime.date.today().isoformat()
    load = data.get("load_average", os.getloadavg()[0])
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    lines = [ENV_ALLOCATORS_BEGIN, "## Shared allocators", "",
             f"`zrt_bench_env_allocator_rss` (`make bench`), {date}, {cpu_model()}, {platform.system()} "
             f"{platform.release()}, ORT {data['ort_version']}, zrt {git_commit(root)}, load average {load:.1f} on "
             f"{os.cpu_count()} CPUs. Small sessions: the MLP of tests/models (784→128→10, 0.4 MiB of weights), "
             "1 intra-op thread, one run each at batch 64 (32 KiB of activations) or 1024 (512 KiB). Each figure "
             "comes from a fresh process: RSS after making the sessions and running each once, minus RSS before "
             "(MiB; × own arenas at the same batch and count).", ""]
    lines += [f"- **{m}**: {MODES[m]}" for m in modes]
    lines += ["", header, rule]
    lines += [f"| {m} | " + " | ".join(cell(m, b, n) for b, n in cols) + " |" for m in modes]
    big = max(b for b, _ in cols)
    many = max(n for _, n in cols)
    own = next((r for r in rss if r["mode"] == "own" and r["batch"] == big and r["sessions"] == many), None)
    shared = next((r for r in rss if r["mode"] == "shared" and r["batch"] == big and r["sessions"] == many), None)
    if own and shared:
        lines += ["", f"{many} sessions at batch {big}: one shared arena holds {mib(own['rss_kib'] - shared['rss_kib']):.1f} "
                      f"MiB less than {many} arenas of their own. At batch 64 sharing saves nothing: the activations "
                      "are small next to what each session holds anyway (its graph, kernels and own copy of the "
                      "weights; to share weights, see Replicas and shared weights)."]
    lines += [ENV_ALLOCATORS_END]
    return "\n".join(lines)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    md, results = sys.argv[1], sys.argv[2]
    with open(results) as f:
        new = section(json.load(f))
    write_section(md, ENV_ALLOCATORS_BEGIN, ENV_ALLOCATORS_END, new,
                  before=("<!-- devices:begin -->", "<!-- soak:begin -->"))


if __name__ == "__main__":
    main()
