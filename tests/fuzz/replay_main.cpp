// Replays fuzz inputs as a regression test: calls the target's LLVMFuzzerTestOneInput on
// every file in the folders given (the committed corpus and crash reproductions), so
// that `make test` runs them under ASan+UBSan without clang's libFuzzer.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  std::size_t replayed = 0;
  for (int a = 1; a < argc; ++a) {
    const std::filesystem::path dir(argv[a]);
    if (!std::filesystem::is_directory(dir)) {
      std::fprintf(stderr, "replay: '%s' is not a folder\n", argv[a]);
      return 2;
    }
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      const std::string name = e.path().filename().string();
      // README.md and .gitkeep explain or hold a folder; they are not inputs.
      if (e.is_regular_file() && name != "README.md" && name[0] != '.') files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());  // the same order on every machine
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      std::fprintf(stderr, "replay: %s (%zu bytes)\n", f.string().c_str(), bytes.size());
      std::vector<std::uint8_t> data(bytes.begin(), bytes.end());
      LLVMFuzzerTestOneInput(data.data(), data.size());
      ++replayed;
    }
  }
  // An empty corpus would make this test pass without testing anything.
  if (replayed == 0) {
    std::fprintf(stderr, "replay: no inputs found\n");
    return 1;
  }
  std::fprintf(stderr, "replay: %zu inputs, no crash\n", replayed);
  return 0;
}
