// SessionOptions saved to and loaded from JSON files (what `zrt tune --write` writes and
// `zrt run/bench --options` read).
//
// The file is one JSON object; every key is optional on load (a missing key keeps
// SessionOptions' default) and every key is written on save, `null` meaning "unset:
// ORT's default":
//   {
//     "zrt_session_options": 1,             // format version
//     "optimization_level": "all",          // disabled | basic | extended | layout | all
//     "intra_op_threads": 1,                // 0: ORT's default
//     "inter_op_threads": 0,
//     "execution_mode": "sequential",       // sequential | parallel
//     "log_id": "",
//     "log_level": null,                    // verbose | info | warning | error | fatal | null
//     "log_verbosity": 0,
//     "cpu_arena": null,                    // true | false | null
//     "memory_pattern": null,
//     "per_session_threads": null,
//     "intra_op_spinning": false,
//     "inter_op_spinning": null,
//     "optimized_model_path": "",
//     "profiling_prefix": null,             // a string turns profiling on
//     "free_dims_by_name": {"batch": 1},
//     "free_dims_by_denotation": {},
//     "config": {"session.disable_prepacking": "1"},
//     "providers": ["WebGPU"],              // Provider::to_string of each, in order
//     "cpu_fallback": null,
//     "record_placement": null,
//     "deterministic_compute": null,        // true | false | null
//     "use_env_allocators": null
//   }
// Caller-owned and external initializers, external data files, prepacked-weights
// containers, load cancellation tokens, log callbacks and thread hooks live in memory,
// not in a file: saving options that hold any is an error, and a loaded file never has
// them (add them to the loaded options).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "zrt/session_options.hpp"

namespace zrt {

// The options as a JSON document (pretty-printed, keys in the order above). Throws
// zrt::Error (InvalidArgument) when the options hold initializers or prepacked weights,
// or name a free dim twice. Config entries given twice keep the last value, as ORT does.
std::string session_options_to_json(const SessionOptions& options);

// Parses a document written by session_options_to_json (or by hand). Throws zrt::Error
// (InvalidArgument) for bad JSON (with line and column), an unknown key, or a value of
// the wrong type or range; the message names the key, what was expected and what was
// found. `source` names the document in messages (e.g. its file name).
SessionOptions session_options_from_json(std::string_view json, std::string_view source = "options");

// Writes session_options_to_json(options) to `path` (replacing the file). Throws
// zrt::Error when the file cannot be written.
void save_session_options(const SessionOptions& options, const std::filesystem::path& path);

// Reads options saved by save_session_options. Throws zrt::Error: NoSuchFile when the
// file does not exist, otherwise as session_options_from_json, messages naming the file.
SessionOptions load_session_options(const std::filesystem::path& path);

}  // namespace zrt
