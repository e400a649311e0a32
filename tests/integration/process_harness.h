// Helpers for tests that run real `ringkv` processes on loopback: spawning servers and CLI
// commands, waiting for a port, free-port selection and temporary directories.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace ringkv::testing {

// Path of the ringkv binary under test (set by CMake).
std::string ringkv_binary();

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr, interleaved.
};
// Runs `ringkv ARGS...` to completion.
CommandResult run_ringkv(const std::vector<std::string>& args);

// A free TCP port on 127.0.0.1 (bound and released; good enough for tests).
int free_port();
// `count` free ports, and "127.0.0.1:PORT" for one of them.
std::vector<int> free_ports(int count);
std::string loopback(int port);
// "n1=127.0.0.1:P1,n2=..." for the first `count` ports: the peers or seeds setting.
std::string node_list(const std::vector<int>& ports, std::size_t count);
// Waits until something accepts connections on 127.0.0.1:port.
bool wait_for_port(int port, std::chrono::milliseconds timeout);

// A `ringkv serve` child process.
class ServerProcess {
 public:
  ServerProcess(std::vector<std::string> args, std::string log_path);
  ~ServerProcess();  // SIGKILLs the process if it is still running.
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  void kill_hard();  // SIGKILL and reap.
  // SIGTERM and wait; returns the exit status (or -1 on timeout, after which it is killed).
  int terminate(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  bool running();
  std::string log() const;

 private:
  pid_t pid_ = -1;
  std::string log_path_;
};

class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace ringkv::testing
