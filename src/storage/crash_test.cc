// The durability crash test: after a crash, a restart must find every write that was acknowledged
// (docs/OPERATIONS.md, "Durability and shutdown").
// A child process writes keys k0, k1, ... from several threads and reports on a pipe the index of
// every write whose callback said ok. The parent lets it run for a seeded random time, SIGKILLs
// it, reopens the database and checks that every acknowledged key is there with its value.
//
// The child is this test binary re-executed (fork + exec) to run one disabled test. A plain fork
// would inherit RocksDB's process-wide thread pools and timer from earlier tests without their
// threads (and possibly with their mutexes held), so the child would hang or never flush; a fresh
// exec'd process has none of that state. Between fork and exec the child only calls
// async-signal-safe functions.
//
// SIGKILL loses the process, not the machine: the page cache survives, so this checks that no
// write is acknowledged before RocksDB has it in its WAL and that recovery replays it. That no
// callback runs before the fsync covering its write is checked with a fake disk in
// group_committer_test.cc.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <semaphore>
#include <string>
#include <thread>
#include <vector>

#include "storage/engine.h"
#include "storage/rocksdb_engine.h"
#include "storage/test_temp_dir.h"

extern char** environ;

namespace ringkv::storage {
namespace {

constexpr const char* kChildDirEnv = "RINGKV_CRASH_CHILD_DIR";
constexpr const char* kChildSyncEnv = "RINGKV_CRASH_CHILD_SYNC";
constexpr const char* kSeedEnv = "RINGKV_CRASH_SEED";
// The child writes acknowledgements to this descriptor (dup2'ed from the pipe before exec).
constexpr int kChildAckFd = 3;
// An acknowledgement record carrying this index means a write or its sync failed.
constexpr std::uint64_t kWriteFailed = UINT64_MAX;

constexpr int kChildWriterThreads = 4;
// Writes each child thread keeps in flight, so group commit has several callbacks to group.
constexpr std::ptrdiff_t kChildOutstandingPerThread = 16;
constexpr int kIterationsPerPolicy = 3;
constexpr int kRunMsMin = 50;
constexpr int kRunMsMax = 300;
// The exec'd child (sanitized, opening RocksDB) must acknowledge its first write within this.
constexpr int kFirstAckTimeoutMs = 30'000;

// "prefix" + std::to_string(n) without operator+(const char*, std::string&&): GCC 12 at -O3
// reports a false -Wrestrict on that (GCC bug 105329), and warnings are errors.
std::string numbered(std::string_view prefix, std::uint64_t n) {
  std::string out(prefix);
  out += std::to_string(n);
  return out;
}

std::string crash_key(std::uint64_t index) {
  return numbered("k", index);
}

std::string crash_value(std::uint64_t index) {
  // About 100 bytes, with a NUL inside, unique per key.
  std::string value = numbered("value-", index);
  value.push_back('\0');
  value.resize(100, static_cast<char>('a' + index % 26));
  return value;
}

void write_ack(std::uint64_t index) {
  const char* bytes = reinterpret_cast<const char*>(&index);
  std::size_t written = 0;
  while (written < sizeof index) {
    const ssize_t n = ::write(kChildAckFd, bytes + written, sizeof index - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(4);  // The parent is gone; nothing left to report to.
    written += static_cast<std::size_t>(n);
  }
}

// The child's whole life: write until killed. Plain code, no gtest assertions; it never returns.
[[noreturn]] void run_crash_child(const std::string& dir, SyncPolicy sync) {
  auto opened = open_rocksdb_engine(dir, sync, /*group_commit_window_us=*/200);
  if (!opened.is_ok()) {
    std::fprintf(stderr, "crash child: %s\n", opened.status().to_string().c_str());
    _exit(2);
  }
  std::unique_ptr<Engine> engine = std::move(opened).value();
  std::atomic<std::uint64_t> next_index{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kChildWriterThreads; ++t) {
    writers.emplace_back([&] {
      std::counting_semaphore<kChildOutstandingPerThread> slots(kChildOutstandingPerThread);
      while (true) {
        slots.acquire();
        const std::uint64_t index = next_index.fetch_add(1);
        WriteBatch batch;
        batch.put(Namespace::kData, crash_key(index), crash_value(index));
        const Status status = engine->write(batch, [index, &slots](Status result) {
          write_ack(result.is_ok() ? index : kWriteFailed);
          slots.release();
        });
        if (!status.is_ok()) {
          std::fprintf(stderr, "crash child: %s\n", status.to_string().c_str());
          write_ack(kWriteFailed);
          _exit(3);
        }
      }
    });
  }
  for (std::thread& writer : writers) writer.join();  // Never: the parent kills us first.
  _exit(5);
}

// Only runs when the parent re-executes this binary with the child's environment set.
TEST(CrashChild, DISABLED_WritesUntilKilled) {
  const char* dir = std::getenv(kChildDirEnv);
  const char* sync_name = std::getenv(kChildSyncEnv);
  if (dir == nullptr || sync_name == nullptr) GTEST_SKIP() << "run by CrashTest only";
  auto sync = parse_sync_policy(sync_name);
  if (!sync.is_ok()) _exit(2);
  run_crash_child(dir, *sync);
}

// Owns strings for execve's argv/envp, built before fork (allocation is not allowed after it).
struct ExecArgs {
  std::vector<std::string> storage;
  std::vector<char*> argv;
  std::vector<char*> envp;
};

ExecArgs child_exec_args(const std::string& dir, SyncPolicy sync) {
  ExecArgs args;
  args.storage = {"/proc/self/exe", "--gtest_filter=CrashChild.DISABLED_WritesUntilKilled",
                  "--gtest_also_run_disabled_tests"};
  const std::size_t argc = args.storage.size();
  // The child must not inherit gtest sharding, repeat or output settings: sharding could filter
  // its test out and an XML report would overwrite the parent's.
  for (char** env = environ; *env != nullptr; ++env) {
    if (std::strncmp(*env, "GTEST_", 6) != 0) args.storage.emplace_back(*env);
  }
  args.storage.push_back(std::string(kChildDirEnv) + "=" + dir);
  args.storage.push_back(std::string(kChildSyncEnv) + "=" + sync_policy_name(sync));
  for (std::size_t i = 0; i < args.storage.size(); ++i) {
    (i < argc ? args.argv : args.envp).push_back(args.storage[i].data());
  }
  args.argv.push_back(nullptr);
  args.envp.push_back(nullptr);
  return args;
}

// Appends whatever is readable on `fd` to `buffer`; false at end of file.
bool read_some(int fd, std::string& buffer) {
  char chunk[4096];
  while (true) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<std::size_t>(n));
    return true;
  }
}

struct ChildRun {
  std::vector<std::uint64_t> acknowledged;
  bool write_failed = false;
  bool killed_by_us = false;
  int wait_status = 0;
};

// Runs one child against `dir` for `run_ms` after its first acknowledgement, then kills it.
ChildRun run_child_and_kill(const std::string& dir, SyncPolicy sync, int run_ms) {
  ChildRun run;
  ExecArgs args = child_exec_args(dir, sync);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return run;
  }
  const int dev_null = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  const pid_t pid = ::fork();
  if (pid == 0) {
    // dup2 clears close-on-exec on the new descriptor, so exactly these survive the exec (unless
    // the pipe already sits on kChildAckFd, where dup2 does nothing and the flag is cleared here).
    if (pipe_fds[1] == kChildAckFd) {
      if (::fcntl(kChildAckFd, F_SETFD, 0) < 0) _exit(126);
    } else if (::dup2(pipe_fds[1], kChildAckFd) < 0) {
      _exit(126);
    }
    if (dev_null >= 0) ::dup2(dev_null, STDOUT_FILENO);  // Keep gtest's child chatter quiet.
    ::execve(args.argv[0], args.argv.data(), args.envp.data());
    _exit(127);
  }
  ::close(pipe_fds[1]);
  if (dev_null >= 0) ::close(dev_null);
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    ::close(pipe_fds[0]);
    return run;
  }

  using Clock = std::chrono::steady_clock;
  std::string buffer;
  const auto started = Clock::now();
  auto deadline = started + std::chrono::milliseconds(kFirstAckTimeoutMs);
  bool first_ack_seen = false;
  while (Clock::now() < deadline) {
    const auto left_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd poll_fd{pipe_fds[0], POLLIN, 0};
    const int ready = ::poll(&poll_fd, 1, static_cast<int>(std::max<long long>(left_ms, 1)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    if (!read_some(pipe_fds[0], buffer)) break;  // The child died on its own.
    if (!first_ack_seen && buffer.size() >= sizeof(std::uint64_t)) {
      // Start the random run time at the first acknowledgement, so process start-up time (slow
      // under sanitizers) does not eat it.
      first_ack_seen = true;
      deadline = Clock::now() + std::chrono::milliseconds(run_ms);
    }
  }
  ::kill(pid, SIGKILL);
  // Acknowledgements still in the pipe were sent before the kill and count just the same.
  while (read_some(pipe_fds[0], buffer)) {
  }
  ::close(pipe_fds[0]);
  ::waitpid(pid, &run.wait_status, 0);
  run.killed_by_us = WIFSIGNALED(run.wait_status) && WTERMSIG(run.wait_status) == SIGKILL;

  const std::size_t records = buffer.size() / sizeof(std::uint64_t);
  for (std::size_t i = 0; i < records; ++i) {
    std::uint64_t index;
    std::memcpy(&index, buffer.data() + i * sizeof index, sizeof index);
    if (index == kWriteFailed) {
      run.write_failed = true;
    } else {
      run.acknowledged.push_back(index);
    }
  }
  return run;
}

void expect_acknowledged_writes_survive(SyncPolicy sync) {
  std::uint64_t seed = std::random_device()();
  if (const char* forced = std::getenv(kSeedEnv)) seed = std::strtoull(forced, nullptr, 10);
  std::printf("[   SEED   ] crash test sync=%s seed=%llu (rerun with %s=%llu)\n",
              sync_policy_name(sync), static_cast<unsigned long long>(seed), kSeedEnv,
              static_cast<unsigned long long>(seed));
  SCOPED_TRACE(numbered("seed ", seed));
  std::mt19937_64 random(seed);
  std::uniform_int_distribution<int> run_ms_distribution(kRunMsMin, kRunMsMax);

  for (int iteration = 0; iteration < kIterationsPerPolicy; ++iteration) {
    const int run_ms = run_ms_distribution(random);
    SCOPED_TRACE(numbered(numbered("iteration ", iteration) + ", run_ms ", run_ms));
    TestTempDir dir("ringkv-crash");
    const ChildRun run = run_child_and_kill(dir.path(), sync, run_ms);
    ASSERT_TRUE(run.killed_by_us) << "the child ended on its own, wait status " << run.wait_status;
    EXPECT_FALSE(run.write_failed);
    ASSERT_FALSE(run.acknowledged.empty()) << "the child acknowledged nothing";

    auto reopened = open_rocksdb_engine(dir.path(), SyncPolicy::kAlways, 0);
    ASSERT_TRUE(reopened.is_ok()) << reopened.status().to_string();
    std::size_t missing = 0;
    for (std::uint64_t index : run.acknowledged) {
      auto value = (*reopened)->get(Namespace::kData, crash_key(index));
      ASSERT_TRUE(value.is_ok()) << value.status().to_string();
      if (*value != crash_value(index)) {
        if (++missing <= 5) ADD_FAILURE() << "acknowledged key " << crash_key(index) << " lost";
      }
    }
    EXPECT_EQ(missing, 0u);
    std::printf(
        "[   CRASH  ] sync=%s iteration %d: killed %d ms after the first ack; %zu acknowledged "
        "writes, %zu missing after reopen\n",
        sync_policy_name(sync), iteration, run_ms, run.acknowledged.size(), missing);
  }
}

TEST(CrashTest, SyncAlwaysRecoversEveryAcknowledgedWriteAfterSigkill) {
  expect_acknowledged_writes_survive(SyncPolicy::kAlways);
}

TEST(CrashTest, SyncBatchRecoversEveryAcknowledgedWriteAfterSigkill) {
  expect_acknowledged_writes_survive(SyncPolicy::kBatch);
}

}  // namespace
}  // namespace ringkv::storage
