// SessionOptions: a plain value; the ORT handle is built when a Session is made.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "zrt/environment.hpp"

namespace zrt {

enum class OptimizationLevel : int { Disabled = 0, Basic = 1, Extended = 2, Layout = 3, All = 99 };
enum class ExecutionMode : int { Sequential = 0, Parallel = 1 };

// Every field left at its default keeps ORT's default. Aggregate: use designated
// initializers, e.g. SessionOptions{.intra_op_threads = 1, .cpu_arena = false}.
struct SessionOptions {
  OptimizationLevel optimization_level = OptimizationLevel::All;
  int intra_op_threads = 0;  // 0: ORT's default
  int inter_op_threads = 0;
  ExecutionMode execution_mode = ExecutionMode::Sequential;
  std::string log_id;
  std::optional<LogLevel> log_level;
  int log_verbosity = 0;
  std::optional<bool> cpu_arena;       // nullopt: ORT's default (on)
  std::optional<bool> memory_pattern;  // nullopt: ORT's default (on)
  // nullopt: per-session threads unless the environment has global thread pools.
  std::optional<bool> per_session_threads;
  std::optional<std::string> profiling_prefix;  // set: profiling on, trace files start with it
  std::vector<std::pair<std::string, std::int64_t>> free_dims_by_name;
  std::vector<std::pair<std::string, std::int64_t>> free_dims_by_denotation;
  std::optional<bool> intra_op_spinning;
  std::optional<bool> inter_op_spinning;
  std::string optimized_model_path;  // non-empty: ORT writes the optimized model there
  std::vector<std::pair<std::string, std::string>> config_entries;  // session config keys

  // Chainable helpers for the vector fields.
  SessionOptions& free_dim(std::string name, std::int64_t value) {
    free_dims_by_name.emplace_back(std::move(name), value);
    return *this;
  }
  SessionOptions& config(std::string key, std::string value) {
    config_entries.emplace_back(std::move(key), std::move(value));
    return *this;
  }
};

}  // namespace zrt
