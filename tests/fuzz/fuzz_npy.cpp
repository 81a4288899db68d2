// Fuzz target: the .npy reader (tools/zrt/npy.hpp). Any file is either rejected with
// zrt::Error or read; what is read must survive write_npy and read back unchanged.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "npy.hpp"
#include "zrt/error.hpp"

namespace {

// A private folder for the files (read_npy takes a path), removed at exit.
struct Scratch {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("zrt-fuzz-npy-" + std::to_string(static_cast<long>(getpid())));
  Scratch() { std::filesystem::create_directories(dir); }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
};

bool same(const zrt::cli::HostTensor& a, const zrt::cli::HostTensor& b) {
  return a.type == b.type && a.dims == b.dims && a.bytes == b.bytes && a.strings == b.strings;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Scratch scratch;
  const auto in = scratch.dir / "in.npy";
  const auto out = scratch.dir / "out.npy";
  {
    std::ofstream f(in, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  zrt::cli::HostTensor t;
  try {
    t = zrt::cli::read_npy(in);
  } catch (const zrt::Error&) {
    return 0;  // rejected with a message: fine
  }
  // Everything the reader accepts has a dtype the writer knows, so neither may throw.
  zrt::cli::write_npy(out, t);
  const zrt::cli::HostTensor back = zrt::cli::read_npy(out);
  if (!same(t, back)) {
    std::fprintf(stderr, "npy round trip changed %s into %s\n", t.describe().c_str(), back.describe().c_str());
    std::abort();
  }
  return 0;
}
