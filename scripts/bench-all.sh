#!/usr/bin/env bash
# The benchmark `make bench` runs:
#   scripts/bench-all.sh ZRT [RESULTS_DIR] [BENCHMARKS_MD]
# generates the fixed model set (scripts/bench-models.py), runs `zrt bench --lanes 2
# --json` and `zrt tune --json` on every model, the replica benchmark and the load sweep
# (`zrt bench --load` on the MLP with a free batch dim, built-in mlp_batch, at each client
# count), then writes BENCHMARKS.md from the JSON files (scripts/benchmarks-md.py), its
# replicas section (scripts/replica-md.py), its shared-allocator section
# (zrt_bench_env_allocator_rss, scripts/env-allocators-md.py) and its load section with
# docs/load.svg (scripts/load-md.py).
# Environment: BENCH_DURATION (seconds of timed runs per path and lanes mode, default
# 0.5), BENCH_LANES (default 2), TUNE_BUDGET (seconds per model, default 10),
# REPLICA_BENCH (the replica benchmark, default bench/zrt_bench_replica_rss of ZRT's
# build folder), ENV_ALLOCATOR_BENCH (the shared-allocator benchmark, likewise),
# REPLICA_ROUNDS (its speed rounds, default 20), LOAD_DURATION (seconds per strategy
# and client count, default 1.5), LOAD_CLIENTS (default "1 2 4 8 16 32"),
# LOAD_RATE (requests/s of the open-loop run at 16 clients, default 50000).
set -euo pipefail

zrt=${1:?usage: bench-all.sh ZRT [RESULTS_DIR] [BENCHMARKS_MD]}
here=$(cd "$(dirname "$0")" && pwd)
out=${2:-bench-results}
md=${3:-$here/../BENCHMARKS.md}
duration=${BENCH_DURATION:-0.5}
lanes=${BENCH_LANES:-2}
budget=${TUNE_BUDGET:-10}
load_duration=${LOAD_DURATION:-1.5}
load_clients=${LOAD_CLIENTS:-1 2 4 8 16 32}
load_rate=${LOAD_RATE:-50000}
python=/usr/bin/python3

mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.log
"$python" "$here/bench-models.py" "$out/models"

failed=0
# One line per model: name, file, then its extra bench arguments (tab-separated).
while IFS=$'\t' read -r -a row; do
  name=${row[0]}
  file=${row[1]}
  extra=("${row[@]:2}")
  echo
  echo "=== $name: zrt bench $file ${extra[*]} --lanes $lanes"
  if ! "$zrt" bench "$file" "${extra[@]}" --duration "$duration" --lanes "$lanes" \
        --json "$out/bench_$name.json" 2> >(tee "$out/bench_$name.log" >&2); then
    echo "bench-all.sh: zrt bench failed on $name (see $out/bench_$name.log)" >&2
    failed=1
  fi
done < <("$python" -c '
import json, sys
for m in json.load(open(sys.argv[1])):
    print("\t".join([m["name"], m["file"]] + m["bench_args"]))
' "$out/models/models.json")

# zrt tune on every model, with its state carry (the only bench argument tune takes).
while IFS=$'\t' read -r -a row; do
  name=${row[0]}
  file=${row[1]}
  extra=("${row[@]:2}")
  echo
  echo "=== $name: zrt tune $file ${extra[*]} --budget $budget"
  if ! "$zrt" tune "$file" "${extra[@]}" --budget "$budget" --write "$out/$name.tuned.json" \
        --json "$out/tune_$name.json" 2> >(tee "$out/tune_$name.log" >&2); then
    echo "bench-all.sh: zrt tune failed on $name (see $out/tune_$name.log)" >&2
    failed=1
  fi
done < <("$python" -c '
import json, sys
for m in json.load(open(sys.argv[1])):
    a = m["bench_args"]
    carry = [x for i in range(len(a) - 1) if a[i] == "--carry" for x in a[i:i + 2]]
    print("\t".join([m["name"], m["file"]] + carry))
' "$out/models/models.json")

echo
echo "=== replicas: zrt_bench_replica_rss"
replica_bench=${REPLICA_BENCH:-$(dirname "$(dirname "$(dirname "$zrt")")")/bench/zrt_bench_replica_rss}
replicas_ok=1
if ! "$replica_bench" --rounds "${REPLICA_ROUNDS:-20}" --json "$out/replicas.json" \
      2> >(tee "$out/replicas.log" >&2); then
  echo "bench-all.sh: zrt_bench_replica_rss failed (see $out/replicas.log)" >&2
  failed=1
  replicas_ok=0
fi

echo
echo "=== shared allocators: zrt_bench_env_allocator_rss"
env_allocator_bench=${ENV_ALLOCATOR_BENCH:-$(dirname "$(dirname "$(dirname "$zrt")")")/bench/zrt_bench_env_allocator_rss}
env_allocators_ok=1
if ! "$env_allocator_bench" --json "$out/env_allocators.json" 2> >(tee "$out/env_allocators.log" >&2); then
  echo "bench-all.sh: zrt_bench_env_allocator_rss failed (see $out/env_allocators.log)" >&2
  failed=1
  env_allocators_ok=0
fi

load_runs=()
for c in $load_clients; do
  echo
  echo "=== load: zrt bench --builtin mlp_batch --load --clients $c --duration $load_duration"
  if "$zrt" bench --builtin mlp_batch --load --clients "$c" --duration "$load_duration" \
        --json "$out/load_c$c.json" 2> >(tee "$out/load_c$c.log" >&2); then
    load_runs+=("$out/load_c$c.json")
  else
    echo "bench-all.sh: zrt bench --load failed at $c clients (see $out/load_c$c.log)" >&2
    failed=1
  fi
done
echo
echo "=== load: zrt bench --builtin mlp_batch --load --clients 16 --rate $load_rate --duration $load_duration"
if "$zrt" bench --builtin mlp_batch --load --clients 16 --rate "$load_rate" --duration "$load_duration" \
      --json "$out/load_open.json" 2> >(tee "$out/load_open.log" >&2); then
  load_runs+=("$out/load_open.json")
else
  echo "bench-all.sh: zrt bench --load --rate failed (see $out/load_open.log)" >&2
  failed=1
fi

"$python" "$here/benchmarks-md.py" "$out" "$md" --duration "$duration"
if [ "$replicas_ok" = 1 ]; then "$python" "$here/replica-md.py" "$md" "$out/replicas.json"; fi
if [ "$env_allocators_ok" = 1 ]; then "$python" "$here/env-allocators-md.py" "$md" "$out/env_allocators.json"; fi
if [ ${#load_runs[@]} -gt 0 ]; then
  "$python" "$here/load-md.py" "$md" "$(dirname "$md")/docs/load.svg" "${load_runs[@]}"
fi
echo
echo "wrote $md"
exit $failed
