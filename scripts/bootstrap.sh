#!/usr/bin/env bash
# Installs the Debian packages zrt needs. Idempotent: does nothing when every package is
# present; otherwise runs apt-get (as root, or via sudo).
#   bootstrap.sh            everything make run, make test, make bench and make fuzz need
#   bootstrap.sh --install  only what building the library and the zrt tool needs
#                           (make install, make package): no GoogleTest, Google Benchmark,
#                           ONNX test data, clang, clang-format, locale or Vulkan
set -euo pipefail

mode=all
case "${1:-}" in
  "") ;;
  --install) mode=install ;;
  -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
  *) echo "bootstrap: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac

# The library: hwloc (thread pinning), nlohmann-json (options files). The zrt tool: CLI11,
# fmt, protobuf and libonnx (ONNX protobufs). make package: dpkg-dev (dpkg-shlibdeps) and
# file, which CPack's .deb generator uses to compute the package's dependencies.
packages=(
  build-essential cmake make pkg-config ca-certificates
  libhwloc-dev nlohmann-json3-dev
  libcli11-dev libfmt-dev libprotobuf-dev protobuf-compiler libonnx-dev
  dpkg-dev file
)
if [[ $mode == all ]]; then
  packages+=(
    git libonnx-testdata python3-onnx libgtest-dev libgmock-dev libbenchmark-dev
    locales clang-format libclang-rt-14-dev clang-14
  )
fi
# scripts/fetch-onnxruntime.sh downloads ORT with npm (from Debian's npm package, unless
# another Node.js install provides it).
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "bootstrap: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

[[ $mode == all ]] || exit 0

# StringNormalizer conformance tests need the en_US.UTF-8 locale.
if ! locale -a 2>/dev/null | grep -qi '^en_US\.utf-\?8$'; then
  echo "bootstrap: generating en_US.UTF-8 locale"
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo sed -i 's/^# *\(en_US.UTF-8 UTF-8\)/\1/' /etc/locale.gen
  grep -q '^en_US.UTF-8 UTF-8' /etc/locale.gen || echo 'en_US.UTF-8 UTF-8' | $sudo tee -a /etc/locale.gen >/dev/null
  $sudo locale-gen >/dev/null
fi

# The WebGPU EP (gpu ORT flavor) on CPU-only machines runs on Vulkan over Mesa's lavapipe,
# which needs mesa-vulkan-drivers 25 or later: Debian 12's 22.3 lacks a feature the WebGPU
# layer (Dawn) requires ("No supported adapters"). On bookworm it comes from
# bookworm-backports (with the libdrm it needs); nothing else is taken from backports.
MESA_MIN=25
mesa_version() {  # installed version, or nothing
  dpkg-query -W -f='${db:Status-Abbrev} ${Version}' mesa-vulkan-drivers 2>/dev/null | sed -n 's/^ii *//p' || true
}
have_vulkan() {
  local v
  v=$(mesa_version)
  [[ -n "$v" ]] && dpkg --compare-versions "$v" ge "$MESA_MIN" &&
    dpkg-query -W -f='${Status}' libvulkan1 2>/dev/null | grep -q "install ok installed"
}
if ! have_vulkan; then
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}")
  mesa=mesa-vulkan-drivers
  if [[ "$codename" == bookworm ]]; then
    apt_sources=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources)
    if ! grep -qsE '^[^#]*bookworm-backports' "${apt_sources[@]}"; then
      # The same Debian mirror the machine's sources use (deb.debian.org if none is found).
      mirror=$(grep -hvsE '^[[:space:]]*#' "${apt_sources[@]}" |
                 grep -oE 'https?://[^[:space:]]+/debian/?([[:space:]]|$)' | head -n1 | tr -d '[:space:]' || true)
      mirror=${mirror%/}
      mirror=${mirror:-http://deb.debian.org/debian}
      echo "bootstrap: adding the bookworm-backports suite ($mirror) for mesa-vulkan-drivers >= $MESA_MIN"
      echo "deb $mirror bookworm-backports main" | $sudo tee /etc/apt/sources.list.d/zrt-backports.list >/dev/null
    fi
    mesa=mesa-vulkan-drivers/bookworm-backports
  fi
  echo "bootstrap: installing libvulkan1 and $mesa (Vulkan on the CPU for the WebGPU EP)"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends libvulkan1 "$mesa"
  if ! have_vulkan; then
    echo "bootstrap: warning: mesa-vulkan-drivers is $(mesa_version), the WebGPU EP needs >= $MESA_MIN" >&2
  fi
fi
