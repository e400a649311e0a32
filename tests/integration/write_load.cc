#include "write_load.h"

namespace ringkv::testing {

WriteLoad::WriteLoad(const std::vector<std::string>& addresses, client::ClientOptions options)
    : acknowledged_(addresses.size()) {
  for (std::size_t w = 0; w < addresses.size(); ++w) {
    writers_.emplace_back([this, w, address = addresses[w], options] {
      auto client = client::Client::connect(address, options);
      if (!client.is_ok()) {
        ++failures_;
        return;
      }
      for (int i = 0; !stop_.load(); ++i) {
        const std::string key = "w" + std::to_string(w) + "-" + std::to_string(i);
        if ((*client)->put("default", key, value_of(key)).is_ok()) {
          acknowledged_[w].push_back(key);
        } else {
          ++failures_;
        }
      }
    });
  }
}

void WriteLoad::stop() {
  stop_ = true;
  for (auto& writer : writers_) {
    if (writer.joinable()) writer.join();
  }
}

std::size_t WriteLoad::acknowledged_count() const {
  std::size_t total = 0;
  for (const auto& keys : acknowledged_) total += keys.size();
  return total;
}

std::size_t count_missing(const std::string& address, const WriteLoad& load) {
  auto client = client::Client::connect(address);
  if (!client.is_ok()) return load.acknowledged_count();
  std::size_t missing = 0;
  for (const auto& keys : load.acknowledged()) {
    for (const auto& key : keys) {
      auto got = (*client)->get("default", key, client::RequestOptions{.r = 3});
      if (!got.is_ok() || got->values != std::vector<std::string>{WriteLoad::value_of(key)}) {
        ++missing;
      }
    }
  }
  return missing;
}

}  // namespace ringkv::testing
