#!/usr/bin/env bash
# Fetches an official ONNX Runtime 1.29.0 Linux x64 build from the npm registry,
# verifies each tarball's SHA-256 and unpacks headers and library into a cache folder
# outside the repository. Prints the ORT root (with include/ and lib/) on stdout.
# Idempotent: a second run only prints the root.
#
#   fetch-onnxruntime.sh                        the default flavor, `cpu`: ORT's CPU EP only
#                                               (com.github.asus4.onnxruntime), the fastest
#                                               core for CPU serving and the benchmarks
#   fetch-onnxruntime.sh --flavor gpu           the `gpu` flavor: onnxruntime-node's core,
#                                               same version, soname and C API, with the
#                                               CUDA, TensorRT and WebGPU EPs compiled in;
#                                               headers are the cpu flavor's (fetched too)
#   fetch-onnxruntime.sh --with-cuda-providers  the gpu flavor plus the CUDA and TensorRT
#                                               provider libraries (a 179 MB download; they
#                                               need the NVIDIA driver and CUDA 13 runtime)
#   fetch-onnxruntime.sh --flavor gpu --cached  print the gpu root if it is already
#                                               complete, else print nothing; no download
#
# Folders: $ZRT_CACHE_DIR (default ${XDG_CACHE_HOME:-~/.cache}/zrt)/onnxruntime-1.29.0
# for cpu and .../onnxruntime-1.29.0-gpu for gpu. ORT loads provider libraries from the
# folder its core library is in, so the CUDA/TensorRT ones go into the gpu lib/ folder.
set -euo pipefail

ORT_VERSION=1.29.0

flavor=cpu
cuda_providers=0
cached_only=0
while (($#)); do
  case "$1" in
    --flavor) [[ $# -ge 2 ]] || { echo "fetch-onnxruntime: --flavor needs cpu or gpu" >&2; exit 2; }
              flavor=$2; shift 2 ;;
    --flavor=*) flavor=${1#--flavor=}; shift ;;
    --with-cuda-providers) cuda_providers=1; flavor=gpu; shift ;;
    --cached) cached_only=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "fetch-onnxruntime: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$flavor" in
  cpu|gpu) ;;
  *) echo "fetch-onnxruntime: unknown flavor '$flavor' (cpu or gpu)" >&2; exit 2 ;;
esac

cache="${ZRT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/zrt}"
cpu_root="$cache/onnxruntime-${ORT_VERSION}"
gpu_root="$cache/onnxruntime-${ORT_VERSION}-gpu"

work=""  # temporary folder for downloads, made by the first fetch that needs one
cleanup() { [[ -z "$work" ]] || rm -rf "$work"; }
trap cleanup EXIT
make_work() { [[ -n "$work" ]] || work=$(mktemp -d); }

# npm_fetch PACKAGE SHA256: downloads PACKAGE's tarball into $work and checks its SHA-256;
# prints the tarball's path. Runs in a command substitution: make_work first.
npm_fetch() {
  local package=$1 sha=$2 dir tarball actual
  command -v npm >/dev/null || { echo "fetch-onnxruntime: npm is not installed (needed to fetch $package)" >&2; exit 1; }
  command -v sha256sum >/dev/null || { echo "fetch-onnxruntime: sha256sum is not installed" >&2; exit 1; }
  dir=$(mktemp -d "$work/pack.XXXXXX")
  echo "fetch-onnxruntime: downloading $package" >&2
  (cd "$dir" && npm pack --silent "$package" >/dev/null) ||
    { echo "fetch-onnxruntime: 'npm pack $package' failed" >&2; exit 1; }
  tarball=$(ls "$dir"/*.tgz)
  actual=$(sha256sum "$tarball" | cut -d' ' -f1)
  if [[ "$actual" != "$sha" ]]; then
    echo "fetch-onnxruntime: SHA-256 mismatch for $package: expected $sha, got $actual" >&2
    exit 1
  fi
  echo "$tarball"
}

# ---- cpu: the default flavor --------------------------------------------------------
fetch_cpu() {
  local package=com.github.asus4.onnxruntime@0.4.9
  local sha=e59788788818fdde1b2e522e766a21ba0f7d8391de55737abf81e32cc801785d
  local headers=package/Plugins/iOS~/onnxruntime.xcframework/ios-arm64_x86_64-simulator/onnxruntime.framework/Headers
  local library=package/Plugins/Linux/x64/libonnxruntime.so
  local tarball out
  [[ -f "$cpu_root/.complete" ]] && return 0
  make_work
  tarball=$(npm_fetch "$package" "$sha")
  out=$(dirname "$tarball")
  tar -xzf "$tarball" -C "$out" "$headers" "$library"
  rm -rf "$cpu_root"
  mkdir -p "$cpu_root/include" "$cpu_root/lib"
  cp "$out/$headers"/*.h "$cpu_root/include/"
  cp "$out/$library" "$cpu_root/lib/libonnxruntime.so.1"
  ln -sf libonnxruntime.so.1 "$cpu_root/lib/libonnxruntime.so"
  touch "$cpu_root/.complete"
  echo "fetch-onnxruntime: ONNX Runtime $ORT_VERSION (cpu) in $cpu_root" >&2
}

# ---- gpu: onnxruntime-node's core (CUDA, TensorRT, WebGPU EPs) ----------------------
fetch_gpu() {
  local package=onnxruntime-node@${ORT_VERSION}
  local sha=cfdfb45ec4044b1fdca43e5d2e180fb6817e649ff8ad1e0dfc90e18e51b67037
  local library=package/bin/napi-v6/linux/x64/libonnxruntime.so.1
  local tarball out
  [[ -f "$gpu_root/.complete" ]] && return 0
  make_work
  fetch_cpu  # the headers: the cpu flavor's (same 1.29 C API; onnxruntime-node has none)
  tarball=$(npm_fetch "$package" "$sha")
  out=$(dirname "$tarball")
  tar -xzf "$tarball" -C "$out" "$library"
  # Keep provider libraries fetched earlier (--with-cuda-providers); replace the rest.
  rm -rf "$gpu_root/include" "$gpu_root/lib/libonnxruntime.so" "$gpu_root/lib/libonnxruntime.so.1"
  mkdir -p "$gpu_root/include" "$gpu_root/lib"
  cp "$cpu_root/include"/*.h "$gpu_root/include/"
  cp "$out/$library" "$gpu_root/lib/libonnxruntime.so.1"
  ln -sf libonnxruntime.so.1 "$gpu_root/lib/libonnxruntime.so"
  touch "$gpu_root/.complete"
  echo "fetch-onnxruntime: ONNX Runtime $ORT_VERSION (gpu: CUDA, TensorRT, WebGPU EPs) in $gpu_root" >&2
}

# ---- the CUDA and TensorRT provider libraries, into the gpu flavor's lib/ -----------
fetch_cuda_providers() {
  local package=com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9
  local sha=2b459e0c17f340c92970c10ed86de4f37a3009f93c14053e6ad4334cbb6be412
  local dir=package/Plugins/Linux/x64
  local names=(libonnxruntime_providers_shared.so libonnxruntime_providers_cuda.so
               libonnxruntime_providers_tensorrt.so)
  local tarball out members=() n
  [[ -f "$gpu_root/.cuda-providers-complete" ]] && return 0
  make_work
  for n in "${names[@]}"; do members+=("$dir/$n"); done
  tarball=$(npm_fetch "$package" "$sha")
  out=$(dirname "$tarball")
  tar -xzf "$tarball" -C "$out" "${members[@]}"
  rm "$tarball"  # 179 MB; the extracted libraries are larger still
  for n in "${names[@]}"; do
    cp "$out/$dir/$n" "$gpu_root/lib/$n.tmp"
    mv -f "$gpu_root/lib/$n.tmp" "$gpu_root/lib/$n"
  done
  touch "$gpu_root/.cuda-providers-complete"
  echo "fetch-onnxruntime: CUDA and TensorRT provider libraries in $gpu_root/lib" >&2
}

if [[ "$flavor" == cpu ]]; then
  root=$cpu_root
  if ((cached_only)); then
    [[ -f "$root/.complete" ]] && echo "$root"
    exit 0
  fi
  fetch_cpu
else
  root=$gpu_root
  if ((cached_only)); then
    [[ -f "$root/.complete" ]] && { ((!cuda_providers)) || [[ -f "$root/.cuda-providers-complete" ]]; } && echo "$root"
    exit 0
  fi
  fetch_gpu
  ((!cuda_providers)) || fetch_cuda_providers
fi
echo "$root"
