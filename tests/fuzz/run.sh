#!/usr/bin/env bash
# make fuzz: runs each libFuzzer target for SECONDS. Its working corpus lives in the
# build folder (BUILD/fuzz/corpus/TARGET, seeded from tests/fuzz/corpus/TARGET, kept
# between runs), crash artifacts go to BUILD/fuzz/artifacts/TARGET/ and the full log to
# BUILD/fuzz/TARGET.log. Fails when any target found something.
# Usage: tests/fuzz/run.sh BUILD SECONDS [TARGET...]
set -uo pipefail
build=$1
seconds=$2
shift 2
targets=("$@")
((${#targets[@]})) || targets=(npy options_file session cli lane)
src=$(cd "$(dirname "$0")" && pwd)

# UB stops a run like a crash. Leaks: ORT 1.29 leaks a few bytes once per process,
# now and then (tests/sanitizers/lsan.supp); the suppressions match them only with a
# slow unwind of every malloc, 6-7x slower. So the fuzzing runs without leak checks, and
# then every input of the corpus (all it found) is run again with them.
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$src/../sanitizers/lsan.supp
fuzz_asan=detect_leaks=0:malloc_context_size=30
leak_asan=detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=64

failed=()
for t in "${targets[@]}"; do
  exe=$build/tests/fuzz/fuzz_$t
  corpus=$build/fuzz/corpus/$t
  artifacts=$build/fuzz/artifacts/$t
  log=$build/fuzz/$t.log
  mkdir -p "$corpus" "$artifacts"
  cp -n "$src/corpus/$t"/* "$corpus"/ 2>/dev/null
  echo "fuzz: $t for ${seconds}s (log: $log)"
  # -timeout: a single input running 30 s is a finding too (a hang).
  ASAN_OPTIONS=$fuzz_asan "$exe" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1
  rc=$?
  grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::(number_of_executed_units|average_exec_per_sec|peak_rss)' "$log" |
    sed 's/^/  /'
  if ((rc == 0)); then
    ASAN_OPTIONS=$leak_asan "$exe" -runs=0 -rss_limit_mb=4096 -artifact_prefix="$artifacts/" "$corpus" \
      >"$log.leaks" 2>&1
    rc=$?
    echo "  leak check of the corpus: $( ((rc == 0)) && echo clean || echo "FAILED (log: $log.leaks)")"
    ((rc == 0)) || log=$log.leaks
  fi
  if ((rc != 0)); then
    grep -E 'ERROR: |SUMMARY: |Test unit written to' "$log" | sed 's/^/  /'
    failed+=("$t")
  fi
done
if ((${#failed[@]})); then
  echo "fuzz: findings in: ${failed[*]} (reproduce: BUILD/tests/fuzz/fuzz_TARGET ARTIFACT;" \
    "keep a fixed one in tests/fuzz/crashes/TARGET/)"
  exit 1
fi
echo "fuzz: no findings"
