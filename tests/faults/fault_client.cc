// fault_client: the C++ client library's side of the fault harness (tests/faults/harness.py).
//
//   fault_client ryw --servers A,B,... --out FILE [--threads 3] [--keys-per-thread 8]
//                [--duration-s 60] [--prefix ryw] [--timeout-ms 4000] [--pace-ms 0]
//     Read-your-writes. Thread i owns the keys PREFIX-i-0 .. PREFIX-i-(M-1) and a partition-aware
//     client connected first to servers[i % count]. Each operation writes a new value
//     ("PREFIX-i-SEQ") to one of its keys with the context of the thread's last read of that key,
//     then reads the key back through the same client: the read must contain the value. One JSON
//     line per write goes to FILE (flushed as it is written):
//       {"key","value","seq","outcome":"ok|failed|indeterminate","error",
//        "read":"contains|missing|failed|skipped","read_error","read_values","ms",
//        "put_hint","read_by"}
//     put_hint: the node the put was sent to first (the previous read's fastest replica, which
//     the client prefers for writes); read_by: the fastest replica of the read-back. Both are
//     taken from the contexts, for diagnosing stale reads.
//     `indeterminate` is the client's "outcome unknown" (the request left and no answer came);
//     `failed` is any other error (a node answered with an error, or nothing could be reached).
//     Each thread sleeps --pace-ms between operations. Stops after --duration-s or on
//     SIGTERM/SIGINT.
//
//   fault_client read --server A --keys FILE --out FILE [--r 3] [--attempts 20]
//     Strong final reads: every key listed in --keys (one per line) is read with r (default 3,
//     every home replica, so a replica that missed a write cannot hide it). A read that fails is
//     retried (the cluster may still be settling). Writes {"key","values":[...],"error"} per key.
//
// Exit status: 0 when the run completed (whatever the outcomes: the harness judges them), 2 on
// bad arguments, 1 when the cluster could not be reached at all.
#include <nlohmann/json.hpp>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/version/context.h"
#include "ringkv/client.h"

namespace {

using Clock = std::chrono::steady_clock;
using ringkv::client::Client;
using ringkv::client::ClientOptions;
using ringkv::client::RequestOptions;

std::atomic<bool> g_stop{false};

extern "C" void on_stop_signal(int) { g_stop.store(true); }

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, separator)) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

// --name value pairs after the mode.
std::map<std::string, std::string> parse_flags(int argc, char** argv, int first) {
  std::map<std::string, std::string> flags;
  for (int i = first; i < argc; ++i) {
    std::string name = argv[i];
    if (name.rfind("--", 0) != 0 || i + 1 >= argc) {
      std::cerr << "error: expected --name value, got '" << name << "'\n";
      std::exit(2);
    }
    flags[name.substr(2)] = argv[++i];
  }
  return flags;
}

std::string flag(const std::map<std::string, std::string>& flags, const std::string& name,
                 const std::string& fallback) {
  auto it = flags.find(name);
  if (it != flags.end()) return it->second;
  if (fallback.empty()) {
    std::cerr << "error: --" << name << " is required\n";
    std::exit(2);
  }
  return fallback;
}

// The node a context names as the fastest replica of its read ("" when unknown).
std::string hint_of(const std::string& context) {
  if (context.empty()) return "";
  auto decoded = ringkv::core::decode_context(context);
  return decoded.is_ok() ? decoded->coordinator_hint : "";
}

bool outcome_unknown(const ringkv::Status& status) {
  return status.message().find("outcome unknown") != std::string::npos;
}

// One line of JSON per record, whole lines only, flushed at once (the harness may read the file
// after a crash of this program).
class JsonLines {
 public:
  explicit JsonLines(const std::string& path) : out_(path, std::ios::trunc) {}
  bool ok() const { return static_cast<bool>(out_); }
  void write(const nlohmann::json& record) {
    const std::string line =
        record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::lock_guard lock(mutex_);
    out_ << line << '\n';
    out_.flush();
  }

 private:
  std::mutex mutex_;
  std::ofstream out_;
};

int run_ryw(const std::map<std::string, std::string>& flags) {
  const std::vector<std::string> servers = split(flag(flags, "servers", ""), ',');
  const int threads = std::stoi(flag(flags, "threads", "3"));
  const int keys_per_thread = std::stoi(flag(flags, "keys-per-thread", "8"));
  const auto duration = std::chrono::seconds(std::stoi(flag(flags, "duration-s", "60")));
  const std::string prefix = flag(flags, "prefix", "ryw");
  const int timeout_ms = std::stoi(flag(flags, "timeout-ms", "4000"));
  const auto pace = std::chrono::milliseconds(std::stoi(flag(flags, "pace-ms", "0")));
  if (servers.empty() || threads < 1 || keys_per_thread < 1) {
    std::cerr << "error: --servers, --threads and --keys-per-thread must be set\n";
    return 2;
  }
  JsonLines out(flag(flags, "out", ""));
  if (!out.ok()) {
    std::cerr << "error: cannot write --out\n";
    return 2;
  }
  const auto start = Clock::now();
  const auto deadline = start + duration;
  auto ms_since_start = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  };
  std::atomic<int> connected{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      ClientOptions options;
      options.request_timeout = std::chrono::milliseconds(timeout_ms);
      options.connect_timeout = std::chrono::milliseconds(1000);
      options.cluster_refresh = std::chrono::milliseconds(1000);
      std::unique_ptr<Client> client;
      // The first server may be down right now (the nemesis runs): try each until one answers.
      for (std::size_t i = 0; client == nullptr && !g_stop.load() && Clock::now() < deadline;
           ++i) {
        auto connected_client =
            Client::connect(servers[(static_cast<std::size_t>(t) + i) % servers.size()], options);
        if (connected_client.is_ok()) {
          client = std::move(connected_client).value();
        } else {
          std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
      }
      if (client == nullptr) return;
      ++connected;
      std::vector<std::string> contexts(static_cast<std::size_t>(keys_per_thread));
      for (std::uint64_t seq = 0; !g_stop.load() && Clock::now() < deadline; ++seq) {
        const std::size_t k = seq % static_cast<std::size_t>(keys_per_thread);
        const std::string key = prefix + "-" + std::to_string(t) + "-" + std::to_string(k);
        const std::string value = prefix + "-" + std::to_string(t) + "-" + std::to_string(seq);
        nlohmann::json record = {{"key", key}, {"value", value}, {"seq", seq},
                                 {"ms", ms_since_start()}};
        record["put_hint"] = hint_of(contexts[k]);
        const ringkv::Status put = client->put("default", key, value, contexts[k]);
        if (put.is_ok()) {
          record["outcome"] = "ok";
        } else {
          record["outcome"] = outcome_unknown(put) ? "indeterminate" : "failed";
          record["error"] = put.to_string();
        }
        // Read back through the same client (after a failure too: the context must catch up).
        auto got = client->get("default", key);
        if (!got.is_ok()) {
          record["read"] = put.is_ok() ? "failed" : "skipped";
          record["read_error"] = got.status().to_string();
        } else {
          contexts[k] = got->context;
          record["read_by"] = hint_of(got->context);
          const bool contains =
              std::find(got->values.begin(), got->values.end(), value) != got->values.end();
          record["read"] = put.is_ok() ? (contains ? "contains" : "missing") : "skipped";
          record["read_values"] = got->values;
        }
        record["done_ms"] = ms_since_start();
        out.write(record);
        if (pace.count() > 0) std::this_thread::sleep_for(pace);
      }
    });
  }
  for (auto& worker : workers) worker.join();
  if (connected.load() == 0) {
    std::cerr << "error: no client could connect to any of the servers\n";
    return 1;
  }
  return 0;
}

int run_read(const std::map<std::string, std::string>& flags) {
  const std::string server = flag(flags, "server", "");
  const auto r = static_cast<std::uint32_t>(std::stoul(flag(flags, "r", "3")));
  const int attempts = std::stoi(flag(flags, "attempts", "20"));
  std::ifstream keys_file(flag(flags, "keys", ""));
  if (!keys_file) {
    std::cerr << "error: cannot read --keys\n";
    return 2;
  }
  JsonLines out(flag(flags, "out", ""));
  if (!out.ok()) {
    std::cerr << "error: cannot write --out\n";
    return 2;
  }
  ClientOptions options;
  options.request_timeout = std::chrono::milliseconds(5000);
  auto client = Client::connect(server, options);
  if (!client.is_ok()) {
    std::cerr << "error: " << client.status().to_string() << "\n";
    return 1;
  }
  std::string key;
  std::size_t failed = 0;
  while (std::getline(keys_file, key)) {
    if (key.empty()) continue;
    nlohmann::json record = {{"key", key}};
    for (int attempt = 1;; ++attempt) {
      auto got = (*client)->get("default", key, RequestOptions{.r = r});
      if (got.is_ok()) {
        record["values"] = got->values;
        record.erase("error");
        break;
      }
      record["error"] = got.status().to_string();
      if (attempt >= attempts) {
        ++failed;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    out.write(record);
  }
  std::printf("read done, %zu keys unreadable\n", failed);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Die with the harness that started us (even after a kill -9 of it): a leftover client would
  // write into the next run's cluster, which reuses the addresses.
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() == 1) return 1;
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGPIPE, SIG_IGN);
  const std::string mode = argc > 1 ? argv[1] : "";
  const auto flags = parse_flags(argc, argv, 2);
  if (mode == "ryw") return run_ryw(flags);
  if (mode == "read") return run_read(flags);
  std::cerr << "usage: fault_client ryw|read --flag value ... (see the top of fault_client.cc)\n";
  return 2;
}
