// Writes the generated part of the seed corpus: valid .npy files, options files and
// models (tests/models builders). Hand-written seeds and edge cases sit next to them.
// Usage: fuzz_make_corpus tests/fuzz/corpus
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "host_value.hpp"
#include "models/models.hpp"
#include "npy.hpp"
#include "zrt/options_file.hpp"

namespace {

namespace fs = std::filesystem;
using zrt::ElementType;

void write(const fs::path& path, const void* data, std::size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
}

zrt::cli::HostTensor tensor(ElementType type, std::vector<std::int64_t> dims, std::size_t item) {
  zrt::cli::HostTensor t;
  t.type = type;
  t.dims = std::move(dims);
  t.bytes.resize(t.element_count() * item);
  for (std::size_t i = 0; i < t.bytes.size(); ++i) t.bytes[i] = static_cast<std::byte>(i % 7);
  return t;
}

void npy(const fs::path& dir) {
  zrt::cli::write_npy(dir / "float_2x3.npy", tensor(ElementType::Float, {2, 3}, 4));
  zrt::cli::write_npy(dir / "int64_4.npy", tensor(ElementType::Int64, {4}, 8));
  zrt::cli::write_npy(dir / "bool_2x2.npy", tensor(ElementType::Bool, {2, 2}, 1));
  zrt::cli::write_npy(dir / "float16_empty.npy", tensor(ElementType::Float16, {0, 5}, 2));
  zrt::cli::write_npy(dir / "uint8_scalar.npy", tensor(ElementType::UInt8, {}, 1));
  zrt::cli::HostTensor s;
  s.type = ElementType::String;
  s.dims = {3};
  s.strings = {"a", "", "hello"};
  zrt::cli::write_npy(dir / "strings_3.npy", s);
}

void options_file(const fs::path& dir) {
  auto save = [&](const char* name, const zrt::SessionOptions& o) {
    const std::string json = zrt::session_options_to_json(o);
    write(dir / name, json.data(), json.size());
  };
  save("default.json", zrt::SessionOptions{});
  save("tuned.json", zrt::SessionOptions{}
                         .intra_op_threads(1)
                         .cpu_arena(false)
                         .free_dim("batch", 4)
                         .config("session.disable_prepacking", "1"));
}

void session(const fs::path& dir) {
  auto save = [&](const char* name, const zrt::test::Bytes& b) { write(dir / name, b.data(), b.size()); };
  save("identity_float_2x3.onnx", zrt::test::identity(ElementType::Float, {2, 3}));
  save("identity_int64_batch.onnx", zrt::test::identity(ElementType::Int64, {"batch", 2}));
  save("identity_bool_scalar.onnx", zrt::test::identity(ElementType::Bool, {}));
  save("identity_unranked_double.onnx", zrt::test::identity_unranked(ElementType::Double));
  save("add_constant.onnx", zrt::test::add_constant());
  save("dynamic.onnx", zrt::test::dynamic());
  save("strings.onnx", zrt::test::strings());
  save("multi_io.onnx", zrt::test::multi_io());
  save("sequence_optional.onnx", zrt::test::sequence_optional());
  save("optional_input.onnx", zrt::test::optional_input());
  save("zipmap.onnx", zrt::test::zipmap());
  save("gru.onnx", zrt::test::gru());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_make_corpus CORPUS_DIR\n");
    return 2;
  }
  const fs::path root(argv[1]);
  for (const char* d : {"npy", "options_file", "session"}) fs::create_directories(root / d);
  npy(root / "npy");
  options_file(root / "options_file");
  session(root / "session");
  return 0;
}
