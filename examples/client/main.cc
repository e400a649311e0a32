// ringkv_client_example HOST:PORT: connects to a ringkv node, writes a key, reads it back, writes
// it again with the read's context (superseding what was read), deletes it, and checks each step.
// It uses nothing but the public headers <ringkv/client.h> and <ringkv/status.h>.
#include <ringkv/client.h>

#include <iostream>
#include <string>

namespace {

int fail(const std::string& step, const ringkv::Status& status) {
  std::cerr << step << " failed: " << status.to_string() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: ringkv_client_example HOST:PORT\n";
    return 2;
  }
  auto client = ringkv::client::Client::connect(argv[1]);
  if (!client.is_ok()) return fail("connect", client.status());
  std::cout << "connected: " << (*client)->members().size() << " member(s), "
            << (*client)->partition_count() << " partitions\n";

  const std::string bucket = "default";
  const std::string key = "example:greeting";
  if (auto status = (*client)->put(bucket, key, "hello"); !status.is_ok()) {
    return fail("put", status);
  }
  auto read = (*client)->get(bucket, key);
  if (!read.is_ok()) return fail("get", read.status());
  std::cout << "get " << key << ": " << read->values.size() << " value(s)\n";

  // A write with the read's context supersedes every value that read saw.
  if (auto status = (*client)->put(bucket, key, "hello again", read->context); !status.is_ok()) {
    return fail("put with context", status);
  }
  auto again = (*client)->get(bucket, key);
  if (!again.is_ok()) return fail("get", again.status());
  if (again->values.size() != 1 || again->values[0] != "hello again") {
    std::cerr << "expected exactly \"hello again\", got " << again->values.size() << " value(s)\n";
    return 1;
  }
  std::cout << "get " << key << ": " << again->values[0] << "\n";

  if (auto status = (*client)->del(bucket, key, again->context); !status.is_ok()) {
    return fail("del", status);
  }
  auto gone = (*client)->get(bucket, key);
  if (!gone.is_ok()) return fail("get", gone.status());
  if (gone->found()) {
    std::cerr << "the key is still there after del\n";
    return 1;
  }
  std::cout << "deleted " << key << "\n";
  return 0;
}
