// Private state shared by Session handles, lanes and bindings.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ort/api.hpp"
#include "zrt/environment.hpp"
#include "zrt/session.hpp"

namespace zrt {

struct Environment::State {
  detail::EnvPtr env;
  EnvironmentOptions options;
};

struct Session::State {
  Environment environment;  // keeps ORT's environment alive as long as the session
  // What ORT reads for the session's whole life, declared before `session` so that they
  // are destroyed after it: caller-owned initializers, the shared prepacked-weights
  // container and the custom-op domains (ORT calls into their ops until it releases the
  // session).
  std::vector<std::shared_ptr<const void>> initializer_owners;
  std::shared_ptr<const PrepackedWeights> prepacked_weights;
  std::vector<OpDomain> op_domains;
  // What ORT calls until the session is released (its pools join their threads then):
  // declared before `session`, so destroyed after it.
  std::shared_ptr<const LogCallback> log_callback;
  std::shared_ptr<const ThreadHooks> thread_hooks;
  detail::SessionPtr session;
  std::vector<IoInfo> inputs;
  std::vector<IoInfo> outputs;
  std::vector<const char*> input_names;   // point into inputs[i].name
  std::vector<const char*> output_names;  // point into outputs[i].name
  std::vector<unsigned char> output_is_static_tensor;
  // Input dims that share a symbolic name ("batch" in two inputs, or twice in one),
  // found at load, so a run compares only these (and nothing when no name is shared).
  struct DimUse {
    std::size_t input;
    std::size_t dim;
  };
  struct SharedSymbol {
    std::string name;
    std::vector<DimUse> uses;
  };
  std::vector<SharedSymbol> shared_symbols;
};

namespace detail {
// The ORT session options for `options` (execution providers appended; devices taken
// from `env`). Throws zrt::Error naming the option ORT refused.
SessionOptionsPtr build_options(const SessionOptions& options, const Environment& env);
// For sessions made outside session.cpp (models built or edited in code): the same
// options, creation and cached I/O as a Session from a file.
// Creates an ORT session with make(ort_options, &session), explaining a refused CPU
// fallback as a Session from a file does; `what` starts the error message.
using MakeSession = std::function<OrtStatus*(const OrtSessionOptions*, OrtSession**)>;
OrtSession* create_session(const Environment& env, const SessionOptions& options, const std::string& what,
                           const MakeSession& make);
// The state a Session shares: takes `session`, keeps what `options` lends ORT, caches I/O.
std::shared_ptr<Session::State> make_session_state(Environment env, OrtSession* session, const SessionOptions& options);
// Reads the session's inputs and outputs again (after a model edit changed them).
void reread_io(Session::State& state);

// Throws zrt::Error unless `value` fits model input `index` (kind, element type, rank, fixed dims).
// Returns the tensor's data pointer (null for non-tensors), for alias checks.
const void* check_input(const Session::State& state, std::size_t index, const Value& value);
void check_input(const Session::State& state, std::size_t index, ElementType type, std::span<const std::int64_t> dims);
// For setup paths (prepared runs, bindings, async): one ORT value per model input, in
// model order, from `inputs` given in model order or all by name. Views become ORT
// values over the caller's memory (kept in `owned`); Values are borrowed.
struct PreparedInputs {
  std::vector<Value> owned;
  std::vector<const OrtValue*> values;  // model order
  std::vector<const void*> data;        // tensor data pointers (alias checks)
};
PreparedInputs prepare_inputs(const Session::State& state, std::span<const Input> inputs, const char* what);

// Throws zrt::Error, starting with `what`, unless a tensor of `type` and `dims` fits
// `info` (kind, element type, rank, fixed dims).
void check_tensor(const std::string& what, const IoInfo& info, ElementType type, std::span<const std::int64_t> dims);

// "'x' (input 0)"
std::string describe_input(const Session::State& state, std::size_t index);

[[noreturn]] void throw_shared_dim_mismatch(const Session::State& state, const char* what,
                                            const Session::State::SharedSymbol& symbol, Session::State::DimUse a,
                                            std::int64_t a_value, Session::State::DimUse b, std::int64_t b_value);

// Throws zrt::Error, starting with `what`, when two input dims that share a symbolic
// name differ. dims_of(i) gives model input i's dims (empty when it is not given).
template <typename DimsOf>
void check_shared_dims(const Session::State& state, const char* what, DimsOf&& dims_of) {
  for (const Session::State::SharedSymbol& symbol : state.shared_symbols) {
    const Session::State::DimUse* first = nullptr;
    std::int64_t value = 0;
    for (const Session::State::DimUse& use : symbol.uses) {
      const std::span<const std::int64_t> dims = dims_of(use.input);
      if (use.dim >= dims.size()) continue;
      if (first == nullptr) {
        first = &use;
        value = dims[use.dim];
      } else if (dims[use.dim] != value) {
        throw_shared_dim_mismatch(state, what, symbol, *first, value, use, dims[use.dim]);
      }
    }
  }
}
}  // namespace detail

}  // namespace zrt
