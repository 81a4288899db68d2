#!/usr/bin/env bash
# The GPU check of a machine that has one (issue: execution providers, section 5):
#   scripts/device-check.sh BUILD_DIR GPU_CORE_LIB_DIR OUT_FILE
# BUILD_DIR is a Release build of zrt (its tools/zrt/zrt), GPU_CORE_LIB_DIR the lib/ of
# the gpu ORT flavor (plus the CUDA provider libraries when they could be copied there).
# Runs WebGPU through the machine's Vulkan driver, and CUDA when its provider library is
# there: zrt bench's device lane against the raw C API on device tensors, the ONNX
# conformance suite, and the WebGPU device tests (graph capture included).
# Everything it measured goes to OUT_FILE. Nothing in CI runs it: CI has no GPU.
set -uo pipefail
build=${1:?usage: device-check.sh BUILD_DIR GPU_CORE_LIB_DIR OUT_FILE}
core=${2:?usage: device-check.sh BUILD_DIR GPU_CORE_LIB_DIR OUT_FILE}
out=${3:?usage: device-check.sh BUILD_DIR GPU_CORE_LIB_DIR OUT_FILE}
zrt="$build/tools/zrt/zrt"
data=/usr/share/libonnx-testdata/data
export LD_LIBRARY_PATH="$core${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d)}

step() {  # step TITLE COMMAND...: runs it, keeps its output and exit code in OUT_FILE
  local title=$1
  shift
  { echo "=== $title: $*"; "$@" 2>&1; echo "exit $?"; } >>"$out"
}

: >"$out"
step "machine" sh -c 'nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; uname -a'
step "providers" "$build/examples/device_lane" "$build/examples/mlp.onnx"
for ep in webgpu cuda; do
  if [[ $ep == cuda && ! -e "$core/libonnxruntime_providers_cuda.so" ]]; then
    echo "=== cuda: skipped, no libonnxruntime_providers_cuda.so in $core" >>"$out"
    continue
  fi
  step "$ep bench mlp" "$zrt" bench --builtin mlp --ep "$ep" --duration 1
  step "$ep bench add" "$zrt" bench --builtin add --ep "$ep" --duration 1
  [[ -d $data ]] && step "$ep conformance" "$zrt" conformance "$data" --ep "$ep" --jobs 4
done
step "webgpu device tests" "$build/tests/test_devices"
echo "device-check: results in $out"
