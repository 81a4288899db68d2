// Writes the files the zrt CLI tests use into the folder given as argument:
//   cli_model.onnx   x: float[batch,4], k: int64[?]  ->  y = 2 * x, n = Size(k)
//   x_good.npy       float32 [2,4] = 0..7
//   x_*.npy          broken or mismatching .npy files for the negative tests
#include <onnx/defs/parser.h>
#include <onnx/onnx_pb.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "npy.hpp"

namespace {

constexpr const char* kModel = R"ONNX(
<ir_version: 8, opset_import: ["" : 17], producer_name: "zrt-cli-test", producer_version: "1.0", domain: "test.zrt", model_version: 3, doc_string: "A model for the zrt CLI tests">
cli_graph (float[batch, 4] x, int64[?] k) => (float[batch, 4] y, int64 n) {
  two = Constant <value = float {2.0}> ()
  y = Mul (x, two)
  n = Size (k)
}
)ONNX";

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// A version 1.0 .npy file with the given header dict and data bytes.
std::string npy(const std::string& dict, const std::string& data) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string s = "\x93NUMPY";
  s += '\x01';
  s += '\x00';
  s += static_cast<char>(header.size() & 0xFF);
  s += static_cast<char>((header.size() >> 8) & 0xFF);
  return s + header + data;
}

std::string floats(std::size_t n) {
  std::string data(n * 4, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    const auto f = static_cast<float>(i);
    std::memcpy(data.data() + i * 4, &f, 4);
  }
  return data;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_cli_fixtures OUTPUT_DIR\n");
    return 2;
  }
  try {
    const std::filesystem::path dir = argv[1];
    std::filesystem::remove_all(dir / "out");  // zrt run --output-dir writes here
    std::filesystem::create_directories(dir);

    onnx::ModelProto model;
    const auto status = onnx::OnnxParser::Parse(model, kModel);
    if (!status.IsOK()) {
      std::fprintf(stderr, "make_cli_fixtures: parsing the model failed: %s\n", status.ErrorMessage().c_str());
      return 1;
    }
    auto* prop = model.add_metadata_props();
    prop->set_key("purpose");
    prop->set_value("cli-test");
    std::string bytes;
    if (!model.SerializeToString(&bytes)) throw std::runtime_error("serializing the model failed");
    write_bytes(dir / "cli_model.onnx", bytes);

    zrt::cli::HostTensor x;
    x.type = zrt::ElementType::Float;
    x.dims = {2, 4};
    const std::string data = floats(8);
    x.bytes.resize(data.size());
    std::memcpy(x.bytes.data(), data.data(), data.size());
    zrt::cli::write_npy(dir / "x_good.npy", x);

    write_bytes(dir / "x_bad_magic.npy", "this is not a numpy file at all");
    write_bytes(dir / "x_fortran.npy", npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 4), }", floats(8)));
    write_bytes(dir / "x_size_mismatch.npy",
                npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), }", floats(3)));
    write_bytes(dir / "x_unsupported_dtype.npy",
                npy("{'descr': '<c8', 'fortran_order': False, 'shape': (2, 4), }", floats(16)));
    write_bytes(dir / "x_wrong_dtype.npy",
                npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2, 4), }", floats(8)));
    write_bytes(dir / "x_wrong_shape.npy",
                npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 5), }", floats(10)));
    write_bytes(dir / "missing_baseline.txt", "# lists a test that does not exist\nsimple/test_no_such_test\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_cli_fixtures: %s\n", e.what());
    return 1;
  }
  return 0;
}
