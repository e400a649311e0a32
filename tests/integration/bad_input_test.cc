// Bad input against a real server: every case gets a clear error naming the limit or fault, only
// the offending connection is closed, other clients keep being served and nothing acknowledged
// is lost.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "api/frame_codec.h"
#include "api/native_codec.h"
#include "process_harness.h"
#include "ringkv/client.h"

namespace ringkv::testing {
namespace {

// A raw connection that sends arbitrary bytes and reads one response frame.
class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    timeval timeout{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }
  ~RawConnection() { close(fd_); }
  bool connected() const { return connected_; }

  void send_bytes(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;  // The server may close early; the response tells why.
      sent += static_cast<std::size_t>(n);
    }
  }
  void send_frame(const std::string& payload) {
    std::string frame;
    api::append_frame(frame, payload);
    send_bytes(frame);
  }
  // The next response, or a Status describing why none came.
  Result<core::ClientReply> read_response() {
    api::FrameDecoder decoder(16 << 20);
    char buffer[4096];
    while (true) {
      auto frame = decoder.next();
      if (!frame.is_ok()) return frame.status();
      if (frame->has_value()) return api::parse_response(**frame);
      const ssize_t n = recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) return Status::unavailable("connection closed without a response");
      decoder.feed(std::string_view(buffer, static_cast<std::size_t>(n)));
    }
  }
  // True when the server closed the connection (EOF).
  bool closed_by_server() {
    char byte;
    return recv(fd_, &byte, 1, 0) == 0;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = free_port();
    server_ = std::make_unique<ServerProcess>(
        std::vector<std::string>{"--listen", "127.0.0.1:" + std::to_string(port_), "--data-dir",
                                 (dir_.path() / "data").string(), "--value-max-bytes", "1048576"},
        (dir_.path() / "log").string());
    ASSERT_TRUE(wait_for_port(port_, std::chrono::seconds(20))) << server_->log();
    auto client = client::Client::connect(address());
    ASSERT_TRUE(client.is_ok());
    bystander_ = std::move(client).value();
    ASSERT_TRUE(bystander_->put("default", "acknowledged", "kept").is_ok());
  }

  void TearDown() override {
    // The node kept serving the other client and lost nothing it acknowledged.
    ASSERT_TRUE(server_->running()) << server_->log();
    auto got = bystander_->get("default", "acknowledged");
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    EXPECT_EQ(got->values, std::vector<std::string>{"kept"});
    EXPECT_EQ(server_->terminate(), 0);
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  static std::string request_bytes(const wire::Request& request) {
    std::string bytes;
    request.SerializeToString(&bytes);
    return bytes;
  }

  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<client::Client> bystander_;
};

TEST_F(BadInput, OversizeKeyIsRejectedNamingTheLimit) {
  auto client = client::Client::connect(address());
  ASSERT_TRUE(client.is_ok());
  const Status status = (*client)->put("default", std::string(64 * 1024 + 1, 'k'), "v");
  EXPECT_EQ(status.code(), StatusCode::kTooLarge);
  EXPECT_NE(status.message().find("key is 65537 bytes, limit is 65536"), std::string::npos)
      << status.message();
  // The connection stays usable: the request was well-formed, only its content was refused.
  EXPECT_TRUE((*client)->put("default", "k", "v").is_ok());
}

TEST_F(BadInput, OversizeValueIsRejectedNamingTheSetting) {
  auto client = client::Client::connect(address());
  ASSERT_TRUE(client.is_ok());
  const Status status = (*client)->put("default", "k", std::string(1024 * 1024 + 1, 'v'));
  EXPECT_EQ(status.code(), StatusCode::kTooLarge);
  EXPECT_NE(status.message().find("limit value_max_bytes is 1048576"), std::string::npos)
      << status.message();
  EXPECT_TRUE((*client)->put("default", "k", std::string(1024 * 1024, 'v')).is_ok());
}

TEST_F(BadInput, OversizeFrameGetsAnErrorAndTheConnectionIsClosed) {
  RawConnection raw(port_);
  ASSERT_TRUE(raw.connected());
  raw.send_bytes(std::string("\x7f\xff\xff\xff", 4));  // Announces a 2 GiB frame.
  auto reply = raw.read_response();
  ASSERT_TRUE(reply.is_ok()) << reply.status().to_string();
  EXPECT_EQ(reply->status.code(), StatusCode::kTooLarge);
  EXPECT_NE(reply->status.message().find("exceeds the limit"), std::string::npos);
  EXPECT_TRUE(raw.closed_by_server());
}

TEST_F(BadInput, MalformedFrameGetsAnErrorAndTheConnectionIsClosed) {
  RawConnection raw(port_);
  raw.send_frame(std::string("\xff\xff\xff\xff\xff\xff", 6));
  auto reply = raw.read_response();
  ASSERT_TRUE(reply.is_ok()) << reply.status().to_string();
  EXPECT_EQ(reply->status.code(), StatusCode::kCorruption);
  EXPECT_NE(reply->status.message().find("malformed frame"), std::string::npos);
  EXPECT_TRUE(raw.closed_by_server());
}

TEST_F(BadInput, UnknownProtocolVersionIsRefused) {
  RawConnection raw(port_);
  wire::Request request;
  request.set_protocol_version(2);
  request.set_request_id(77);
  request.mutable_get()->set_key("k");
  raw.send_frame(request_bytes(request));
  auto reply = raw.read_response();
  ASSERT_TRUE(reply.is_ok());
  EXPECT_EQ(reply->request_id, 77u);
  EXPECT_EQ(reply->status.code(), StatusCode::kUnsupported);
  EXPECT_NE(reply->status.message().find("protocol version 2 is not supported"), std::string::npos);
  EXPECT_TRUE(raw.closed_by_server());
}

TEST_F(BadInput, UnknownMessageTypeIsRefused) {
  RawConnection raw(port_);
  wire::Request request;
  request.set_protocol_version(api::kProtocolVersion);
  raw.send_frame(request_bytes(request) + std::string("\x9a\x06\x00", 3));  // Unknown field 99.
  auto reply = raw.read_response();
  ASSERT_TRUE(reply.is_ok());
  EXPECT_EQ(reply->status.code(), StatusCode::kUnsupported);
  EXPECT_NE(reply->status.message().find("unknown message type"), std::string::npos);
  EXPECT_TRUE(raw.closed_by_server());
}

TEST_F(BadInput, ABadContextIsRejectedAndTheConnectionStaysUsable) {
  auto client = client::Client::connect(address());
  ASSERT_TRUE(client.is_ok());
  const Status status = (*client)->put("default", "k", "v", "\x09not-a-context");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE((*client)->put("default", "k", "v").is_ok());
}

TEST_F(BadInput, AClientThatDisconnectsMidFrameDoesNotDisturbTheNode) {
  {
    RawConnection raw(port_);
    raw.send_bytes(std::string("\x00\x00\x10\x00partial", 11));
  }
  auto client = client::Client::connect(address());
  ASSERT_TRUE(client.is_ok());
  EXPECT_TRUE((*client)->put("default", "after", "ok").is_ok());
}

}  // namespace
}  // namespace ringkv::testing
