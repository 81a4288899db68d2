// Validators for the CLI's arguments. They read the text as typed, before CLI11
// converts it: CLI11's own Range lets NaN through, and its integer conversion turns
// "-1" or "1e20" into 2^64 - 1. CLI11 prefixes each message with the flag's name.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>

namespace zrt::cli {

// A finite number in [min, max]: "expected a number from 0.001 to 3600, got 'nan'".
CLI::Validator real_in(double min, double max);
// A whole number in [min, max] written in plain digits (no sign, no exponent).
CLI::Validator count_in(std::uint64_t min, std::uint64_t max);
// A thread count from `min` to zrt::thread_limit(), read when the flag is parsed.
CLI::Validator thread_count(std::uint64_t min = 0);
// An existing regular file: a device or pipe such as /dev/zero would be read forever.
CLI::Validator regular_file();

}  // namespace zrt::cli
