// Fuzz target: the options-file reader (include/zrt/options_file.hpp). Any text is
// either rejected with zrt::Error or loaded; loaded options must save, and what is
// saved must load back to the same document.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "zrt/error.hpp"
#include "zrt/options_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  zrt::SessionOptions options;
  try {
    options = zrt::session_options_from_json(text, "fuzz");
  } catch (const zrt::Error&) {
    return 0;  // rejected with a message: fine
  }
  const std::string saved = zrt::session_options_to_json(options);
  const std::string again = zrt::session_options_to_json(zrt::session_options_from_json(saved, "saved"));
  if (saved != again) {
    std::fprintf(stderr, "options round trip changed\n%s\ninto\n%s\n", saved.c_str(), again.c_str());
    std::abort();
  }
  return 0;
}
