// Model inputs for the CLI (zrt run, zrt bench): --dim and --input arguments, concrete
// shapes for free dims, random tensors honouring declared types, .npy checks.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "host_value.hpp"
#include "zrt/session.hpp"
#include "zrt/session_options.hpp"

namespace zrt::cli {

// Free dim sizes by symbol ("batch") or by INPUT:INDEX for unnamed ones.
using DimValues = std::map<std::string, std::int64_t>;
// Input name -> .npy file.
using InputFiles = std::map<std::string, std::string>;

// "NAME=VALUE" -> {NAME, VALUE}; throws zrt::Error naming `option` when malformed.
std::pair<std::string, std::string> split_assignment(const std::string& arg, const char* option);
// A non-negative integer; throws zrt::Error naming the dim otherwise.
std::int64_t parse_dim_value(const std::string& name, const std::string& text);
// --dim NAME=VALUE arguments (a later one for the same name wins).
DimValues parse_dims(const std::vector<std::string>& args);
// --input NAME=FILE arguments; throws zrt::Error when a name is given twice.
InputFiles parse_input_files(const std::vector<std::string>& args);
// SessionOptions::free_dim for every dim given by symbol (not INPUT:INDEX ones).
void apply_free_dims(SessionOptions& options, const DimValues& dims);

// "[batch,3,224,224]": fixed sizes, symbols, "?" for unnamed free dims.
std::string dims_text(const IoInfo& io);
// The concrete shape for an input: fixed dims as declared, free dims from `dims`.
// Throws zrt::Error naming the input and the first free dim left unset.
std::vector<std::int64_t> concrete_shape(const IoInfo& io, const DimValues& dims);
// Random values of the input's element type: floats uniform in [-1, 1), integers in [0, 9].
HostTensor random_tensor(const IoInfo& io, std::vector<std::int64_t> shape, std::mt19937_64& rng);
// Throws zrt::Error unless the tensor read from `file` fits the input's type and shape.
void check_npy_against(const IoInfo& io, const HostTensor& t, const std::string& file);

struct ModelInput {
  HostTensor tensor;
  std::string origin;  // the file, or "random (seed N)"
};
// One value per model input, in model order: read from `files` (checked against the
// model) or made up at random from `seed`. Unknown names in `files` are an error that
// lists the model's inputs.
std::vector<ModelInput> make_model_inputs(const Session& session, const DimValues& dims, const InputFiles& files,
                                          std::uint64_t seed);

}  // namespace zrt::cli
