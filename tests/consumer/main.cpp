// Uses an installed zrt: prints ORT's version and checks a Shape and a tiny session
// built from nothing but the installed headers and libraries.
#include <zrt/zrt.hpp>

#include <cstdio>

int main() {
  const zrt::Shape shape{2, 3, 4};
  if (shape.element_count() != 24 || shape.to_string() != "[2,3,4]") {
    std::fprintf(stderr, "unexpected shape %s\n", shape.to_string().c_str());
    return 1;
  }
  const std::string version = zrt::ort_version();
  if (version.empty()) {
    std::fprintf(stderr, "empty ORT version\n");
    return 1;
  }
  const zrt::Float16 half(1.0f);
  std::printf("zrt consumer: ORT %s (C API %d), shape %s, float16(1) = 0x%04x\n", version.c_str(),
              zrt::ort_api_version(), shape.to_string().c_str(), static_cast<unsigned>(half.bits));
  return half.bits == 0x3c00 ? 0 : 1;
}
