// zrt/thread_hooks.hpp: ORT's pool threads made through caller hooks, per session and
// for the environment's global pools. Each test runs in its own process (ctest), so
// the Environment with global pools is the process's first. Every hooked thread names
// itself and pins itself to one allowed CPU; the test reads both back from the kernel.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/models.hpp"
#include "test_util.hpp"
#include "zrt/zrt.hpp"

namespace {

using zrt::Session;
using zrt::SessionOptions;

// What the hooks saw: the kernel thread id and chosen CPU of each thread made, and
// how many were joined.
struct Record {
  std::mutex mutex;
  std::condition_variable started;
  std::atomic<std::size_t> creates{0};
  std::vector<pid_t> tids;  // filled by the new threads themselves
  std::size_t cpu = 0;
  std::atomic<int> joins{0};
};

// The first CPU this process may run on.
std::size_t first_allowed_cpu() {
  cpu_set_t set;
  CPU_ZERO(&set);
  EXPECT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  for (std::size_t cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) return cpu;
  ADD_FAILURE() << "no CPU allowed";
  return 0;
}

// std::threads named "<prefix><index>" and pinned to record->cpu, counting joins.
zrt::ThreadHooks naming_pinning_hooks(const std::shared_ptr<Record>& record, const std::string& prefix) {
  record->cpu = first_allowed_cpu();
  zrt::ThreadHooks hooks = zrt::ThreadHooks::std_threads([record, prefix](std::size_t index) {
    const std::string name = prefix + std::to_string(index);
    pthread_setname_np(pthread_self(), name.c_str());
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(record->cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    std::lock_guard lock(record->mutex);
    record->tids.push_back(gettid());
    record->started.notify_all();
  });
  auto create = hooks.create;
  hooks.create = [record, create](zrt::ThreadWork work) {
    ++record->creates;
    return create(work);
  };
  auto join = hooks.join;
  hooks.join = [record, join](void* handle) {
    join(handle);
    ++record->joins;
  };
  return hooks;
}

std::string thread_name(pid_t tid) {
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/comm");
  std::string name;
  std::getline(in, name);
  return name;
}

// Every recorded thread carries its name (prefix + index, each index once) and runs
// only on the chosen CPU. Called while the threads are alive.
void expect_named_and_pinned(Record& record, const std::string& prefix) {
  std::unique_lock lock(record.mutex);
  // The threads record themselves once they start: wait for all that were created (a
  // bound only so that a broken hook fails instead of hanging).
  record.started.wait_for(lock, std::chrono::seconds(30), [&] { return record.tids.size() == record.creates; });
  ASSERT_EQ(record.tids.size(), record.creates.load());
  std::vector<std::string> names;
  for (pid_t tid : record.tids) {
    names.push_back(thread_name(tid));
    cpu_set_t set;
    CPU_ZERO(&set);
    ASSERT_EQ(sched_getaffinity(tid, sizeof set, &set), 0) << tid;
    EXPECT_EQ(CPU_COUNT(&set), 1) << names.back();
    EXPECT_TRUE(CPU_ISSET(record.cpu, &set)) << names.back();
  }
  std::sort(names.begin(), names.end());
  std::vector<std::string> want;
  for (std::size_t i = 0; i < record.tids.size(); ++i) want.push_back(prefix + std::to_string(i));
  std::sort(want.begin(), want.end());
  EXPECT_EQ(names, want);
}

void expect_mlp_runs(const Session& session) {
  const std::vector<float> x = zrt::test::mlp_input(4, 1);
  const zrt::Outputs out = session.run({zrt::TensorView<const float>(x, {4, 784})});
  EXPECT_EQ(zrt::test::to_vector(out[0].data<float>()), zrt::test::mlp_reference(x, 4));
}

TEST(ThreadHooks, EverySessionPoolThreadIsMadeNamedPinnedAndJoinedByTheHooks) {
  auto record = std::make_shared<Record>();
  for (int threads : {2, 4}) {
    SCOPED_TRACE(threads);
    record->tids.clear();
    record->creates = 0;
    record->joins = 0;
    {
      const Session s = Session::from_bytes(zrt::test::mlp(), SessionOptions{}.intra_op_threads(threads).thread_hooks(
                                                                  naming_pinning_hooks(record, "zrt-intra-")));
      // An intra-op pool of N threads asks for N-1: the calling thread is the Nth.
      EXPECT_EQ(record->creates.load(), static_cast<std::size_t>(threads - 1));
      expect_named_and_pinned(*record, "zrt-intra-");
      expect_mlp_runs(s);
      EXPECT_EQ(record->joins.load(), 0);
    }
    EXPECT_EQ(record->joins.load(), threads - 1);  // the session's end joined each through the hook
  }
}

TEST(ThreadHooks, ParallelModeInterOpPoolToo) {
  auto record = std::make_shared<Record>();
  {
    const Session s =
        Session::from_bytes(zrt::test::mlp(), SessionOptions{}
                                                  .intra_op_threads(2)
                                                  .inter_op_threads(3)
                                                  .execution_mode(zrt::ExecutionMode::Parallel)
                                                  .thread_hooks(naming_pinning_hooks(record, "zrt-pool-")));
    EXPECT_EQ(record->creates.load(), 1u + 2u);
    expect_named_and_pinned(*record, "zrt-pool-");
    expect_mlp_runs(s);
  }
  EXPECT_EQ(record->joins.load(), 3);
}

zrt::EnvironmentOptions global_pools_with_hooks(const std::shared_ptr<Record>& record) {
  zrt::EnvironmentOptions options;
  zrt::GlobalThreadPools pools;
  pools.intra_op_threads = 3;
  pools.inter_op_threads = 1;
  pools.thread_hooks = naming_pinning_hooks(record, "zrt-global-");
  options.global_thread_pools = pools;
  return options;
}

TEST(ThreadHooks, GlobalPoolThreadsAreMadeAndJoinedByTheEnvironmentsHooks) {
  auto record = std::make_shared<Record>();
  {
    const zrt::Environment env(global_pools_with_hooks(record));
    EXPECT_EQ(record->creates.load(), 2u);  // intra-op 3: two threads, made with the environment
    expect_named_and_pinned(*record, "zrt-global-");
    EXPECT_EQ(record->joins.load(), 0);
  }
  EXPECT_EQ(record->joins.load(), 2);  // ORT's environment went with the last handle
}

// A session made on the environment uses its (hooked) pools and makes no threads. The
// session makes zrt keep ORT's environment, so these pools go only at the process's
// exit. The model is Y = X + C, which gives the pool threads no work: under ASan, pool
// threads that had run MLP work were seen now and then reading freed memory inside ORT
// during that exit-time teardown (docs/extending/threads-memory-options.md).
TEST(ThreadHooks, SessionsUseTheHookedGlobalPools) {
  auto record = std::make_shared<Record>();
  const zrt::Environment env(global_pools_with_hooks(record));
  const Session s = Session::from_bytes(env, zrt::test::add_constant());
  std::vector<float> x(16);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) - 4.5f;
  const zrt::Outputs out = s.run({zrt::TensorView<const float>(x, {1, 16})});
  const auto y = out[0].data<float>();
  ASSERT_EQ(y.size(), 16u);
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(y[i], x[i] + zrt::test::add_constant_c(i)) << i;
  EXPECT_EQ(record->creates.load(), 2u);  // the session made no threads of its own
  expect_named_and_pinned(*record, "zrt-global-");
}

TEST(ThreadHooks, HooksNeedBothFunctions) {
  zrt::ThreadHooks only_create = zrt::ThreadHooks::std_threads({});
  only_create.join = nullptr;
  EXPECT_TRUE(zrt::test::throws_error(
      [&] {
        (void)Session::from_bytes(zrt::test::mlp(), SessionOptions{}.intra_op_threads(2).thread_hooks(only_create));
      },
      zrt::ErrorCode::InvalidArgument, {"SessionOptions", "thread_hooks needs both create and join", "join is empty"}));
  zrt::EnvironmentOptions options;
  options.global_thread_pools = zrt::GlobalThreadPools{};
  options.global_thread_pools->thread_hooks.join = [](void*) {};
  EXPECT_TRUE(zrt::test::throws_error([&] { (void)zrt::Environment(options); }, zrt::ErrorCode::InvalidArgument,
                                      {"Environment", "create is empty"}));
}

TEST(ThreadHooks, AFailedCreationFailsTheSession) {
  zrt::ThreadHooks failing;
  failing.create = [](zrt::ThreadWork) -> void* { throw std::runtime_error("no threads today"); };
  failing.join = [](void*) {};
  EXPECT_THROW((void)Session::from_bytes(zrt::test::mlp(), SessionOptions{}.intra_op_threads(2).thread_hooks(failing)),
               zrt::Error);
  // Threads are not needed with one intra-op thread: the hooks are never called.
  expect_mlp_runs(Session::from_bytes(zrt::test::mlp(), SessionOptions{}.intra_op_threads(1).thread_hooks(failing)));
}

TEST(ThreadHooks, ThreadPoolWorkCallbacksNeedAnOrtBuiltForThem) {
  // The released ORT packages are built without --enable_session_threadpool_callbacks.
  zrt::Environment env;
  zrt::ThreadPoolCallbacks callbacks;
  callbacks.on_start = [](void*) {};
  EXPECT_TRUE(
      zrt::test::throws_error([&] { env.set_thread_pool_callbacks(callbacks); }, zrt::ErrorCode::NotImplemented,
                              {"Environment::set_thread_pool_callbacks", "--enable_session_threadpool_callbacks"}));
}

}  // namespace
