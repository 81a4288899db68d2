#!/usr/bin/env bash
# Fetches the official ONNX Runtime 1.29.0 Linux x64 build from the npm registry,
# verifies the tarball's SHA-256 and unpacks headers and library into a cache folder
# outside the repository. Prints the ORT root (with include/ and lib/) on stdout.
# Idempotent: a second run only prints the root.
set -euo pipefail

ORT_VERSION=1.29.0
NPM_PACKAGE=com.github.asus4.onnxruntime@0.4.9
SHA256=e59788788818fdde1b2e522e766a21ba0f7d8391de55737abf81e32cc801785d
HEADERS_IN_TARBALL=package/Plugins/iOS~/onnxruntime.xcframework/ios-arm64_x86_64-simulator/onnxruntime.framework/Headers
LIBRARY_IN_TARBALL=package/Plugins/Linux/x64/libonnxruntime.so

root="${ZRT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/zrt}/onnxruntime-${ORT_VERSION}"
stamp="$root/.complete"

if [[ -f "$stamp" ]]; then
  echo "$root"
  exit 0
fi

command -v npm >/dev/null || { echo "fetch-onnxruntime: npm is not installed (needed to fetch $NPM_PACKAGE)" >&2; exit 1; }
command -v sha256sum >/dev/null || { echo "fetch-onnxruntime: sha256sum is not installed" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "fetch-onnxruntime: downloading $NPM_PACKAGE" >&2
(cd "$work" && npm pack --silent "$NPM_PACKAGE" >/dev/null) ||
  { echo "fetch-onnxruntime: 'npm pack $NPM_PACKAGE' failed" >&2; exit 1; }
tarball=$(ls "$work"/*.tgz)
actual=$(sha256sum "$tarball" | cut -d' ' -f1)
if [[ "$actual" != "$SHA256" ]]; then
  echo "fetch-onnxruntime: SHA-256 mismatch for $NPM_PACKAGE: expected $SHA256, got $actual" >&2
  exit 1
fi

tar -xzf "$tarball" -C "$work" "$HEADERS_IN_TARBALL" "$LIBRARY_IN_TARBALL"
rm -rf "$root"
mkdir -p "$root/include" "$root/lib"
cp "$work/$HEADERS_IN_TARBALL"/*.h "$root/include/"
cp "$work/$LIBRARY_IN_TARBALL" "$root/lib/libonnxruntime.so.1"
ln -sf libonnxruntime.so.1 "$root/lib/libonnxruntime.so"
touch "$stamp"
echo "fetch-onnxruntime: ONNX Runtime $ORT_VERSION in $root" >&2
echo "$root"
