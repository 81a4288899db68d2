// Helpers for memory benchmarks that measure each configuration in a fresh process:
// this program re-executed with arguments, its stdout read back, and /proc figures.
#pragma once

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

namespace zrt::bench {

// Runs this program again with `args`; returns its stdout. Throws when it fails.
inline std::string run_child(const std::vector<std::string>& args) {
  const char* self = "/proc/self/exe";
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  std::vector<char*> argv{const_cast<char*>(self)};
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, self, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (spawned != 0) {
    close(pipe_fds[0]);
    throw std::runtime_error("posix_spawn failed");
  }
  std::string out;
  char buffer[256];
  ssize_t got = 0;
  while ((got = read(pipe_fds[0], buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<std::size_t>(got));
  close(pipe_fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string line;
    for (const std::string& a : args) line += " " + a;
    throw std::runtime_error("child" + line + " failed");
  }
  return out;
}

// A field of /proc/self/status in KiB ("VmRSS", "VmHWM", "RssAnon", "RssFile").
inline long status_kib(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

// From now on VmHWM counts from the current VmRSS.
inline void reset_peak() { std::ofstream("/proc/self/clear_refs") << "5"; }

}  // namespace zrt::bench
