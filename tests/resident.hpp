// How much of a file this process has resident through its mappings: the sum of Rss
// over the entries of /proc/self/smaps that map it. Exact and immediate (the kernel's
// page tables), unlike timing; used to check TensorBuffer::release_pages.
#pragma once

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace zrt::test {

inline std::size_t resident_kib(const std::filesystem::path& file) {
  const std::string wanted = std::filesystem::canonical(file).string();
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;  // the current entry maps `file`
  std::size_t kib = 0;
  while (std::getline(smaps, line)) {
    std::istringstream fields(line);
    std::string first;
    fields >> first;
    if (!first.empty() && first.back() == ':') {  // "Rss:   12 kB" and the entry's other fields
      std::size_t value = 0;
      if (inside && first == "Rss:" && fields >> value) kib += value;
      continue;
    }
    // An entry's header: "start-end perms offset dev inode [path]".
    std::string perms, offset, dev, inode, path;
    fields >> perms >> offset >> dev >> inode;
    std::getline(fields >> std::ws, path);
    inside = path == wanted;
  }
  return kib;
}

}  // namespace zrt::test
