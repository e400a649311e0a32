// ringkv::client::Client: the C++ client library of ringkv.
//
// A client connects to a node over the native protocol and offers get (all sibling values plus
// an opaque context), put (optionally with a read's context, superseding exactly what that read
// saw) and delete. Contexts are opaque bytes: pass back what get returned.
//
// Thread-safety: a Client is not thread-safe; use one per thread. Calls block until the node
// answers or the timeout passes.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ringkv::client {

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds request_timeout{5000};
  std::size_t value_max_bytes = 1024 * 1024;  // Sizes responses the client will accept.
};

struct GetResult {
  std::vector<std::string> values;  // Empty: absent or deleted. More than one: siblings.
  std::string context;              // Opaque; hand it to put/del to supersede what was read.
  bool found() const { return !values.empty(); }
  bool has_siblings() const { return values.size() > 1; }
};

class Client {
 public:
  // `address` is HOST:PORT of any node.
  static Result<std::unique_ptr<Client>> connect(const std::string& address,
                                                 ClientOptions options = {});
  ~Client();

  Result<GetResult> get(std::string_view bucket, std::string_view key);
  Status put(std::string_view bucket, std::string_view key, std::string_view value,
             std::string_view context = {});
  Status del(std::string_view bucket, std::string_view key, std::string_view context = {});

 private:
  class Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ringkv::client
