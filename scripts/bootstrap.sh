#!/usr/bin/env bash
# Installs the Debian packages zrt needs to build and test. Idempotent: does nothing
# when every package is present; otherwise runs apt-get (as root, or via sudo).
set -euo pipefail

packages=(
  build-essential cmake make pkg-config git ca-certificates
  libonnx-dev libonnx-testdata python3-onnx libprotobuf-dev protobuf-compiler
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libfmt-dev
  nlohmann-json3-dev libhwloc-dev locales clang-format libclang-rt-14-dev
  clang-14
)

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

# StringNormalizer conformance tests need the en_US.UTF-8 locale.
if ! locale -a 2>/dev/null | grep -qi '^en_US\.utf-\?8$'; then
  echo "bootstrap: generating en_US.UTF-8 locale"
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo sed -i 's/^# *\(en_US.UTF-8 UTF-8\)/\1/' /etc/locale.gen
  grep -q '^en_US.UTF-8 UTF-8' /etc/locale.gen || echo 'en_US.UTF-8 UTF-8' | $sudo tee -a /etc/locale.gen >/dev/null
  $sudo locale-gen >/dev/null
fi
