#include "runtime/peer_link.h"

#include <spdlog/spdlog.h>

namespace ringkv::runtime {

using tcp = asio::ip::tcp;

namespace {
constexpr std::chrono::milliseconds kBackoffMax{2000};
constexpr std::size_t kCoalesceBytesMax = 1024 * 1024;
}  // namespace

PeerLink::PeerLink(asio::io_context& io, std::string peer_id, HostPort address)
    : io_(io),
      peer_id_(std::move(peer_id)),
      address_(std::move(address)),
      socket_(io),
      retry_timer_(io) {}

void PeerLink::send(std::string frame) {
  if (closed_) return;
  if (queued_bytes_ + frame.size() > kQueuedBytesMax) {
    ++dropped_;
    return;
  }
  queued_bytes_ += frame.size();
  queue_.push_back(std::move(frame));
  if (!connected_) {
    connect();
  } else {
    write();
  }
}

void PeerLink::connect() {
  if (connecting_ || connected_ || closed_) return;
  connecting_ = true;
  boost::system::error_code error;
  const auto ip = asio::ip::make_address(address_.host, error);
  if (error) {
    spdlog::error("peer {} has an invalid address {}", peer_id_, address_.host);
    connecting_ = false;
    return;
  }
  socket_ = tcp::socket(io_);
  const std::uint64_t epoch = ++epoch_;
  socket_.async_connect(tcp::endpoint(ip, address_.port),
                        [self = shared_from_this(), epoch](const boost::system::error_code& e) {
                          self->connecting_ = false;
                          if (self->closed_ || epoch != self->epoch_) return;
                          if (e) {
                            self->schedule_reconnect();
                            if (self->on_down_) self->on_down_(self->peer_id_);
                            return;
                          }
                          boost::system::error_code ignored;
                          self->socket_.set_option(tcp::no_delay(true), ignored);
                          self->connected_ = true;
                          self->backoff_ = std::chrono::milliseconds(50);
                          spdlog::debug("connected to peer {}", self->peer_id_);
                          self->watch_for_close();
                          self->write();
                        });
}

void PeerLink::schedule_reconnect() {
  // Messages queued for a peer that stays away are dropped rather than delivered much later:
  // the requests they belong to have timed out by then.
  dropped_ += queue_.size();
  queue_.clear();
  queued_bytes_ = 0;
  retry_timer_.expires_after(backoff_);
  backoff_ = std::min(backoff_ * 2, kBackoffMax);
  retry_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& e) {
    if (e || self->closed_) return;
    if (!self->queue_.empty()) self->connect();
  });
}

void PeerLink::write() {
  if (writing_in_progress_ || !connected_ || queue_.empty()) return;
  writing_.clear();
  // Coalesce queued frames into one write: many small messages, few system calls.
  while (!queue_.empty() && writing_.size() < kCoalesceBytesMax) {
    writing_ += queue_.front();
    queued_bytes_ -= queue_.front().size();
    queue_.pop_front();
  }
  writing_in_progress_ = true;
  asio::async_write(socket_, asio::buffer(writing_),
                    [self = shared_from_this(), epoch = epoch_](const boost::system::error_code& e,
                                                                std::size_t) {
                      if (epoch != self->epoch_) return;
                      self->writing_in_progress_ = false;
                      if (self->closed_) return;
                      if (e) {
                        self->broke(epoch, e);
                        return;
                      }
                      self->write();
                    });
}

void PeerLink::watch_for_close() {
  // The peer never writes on this connection, so the read completes only when it closes (or, if
  // a misbehaving peer sends bytes, they are skipped).
  socket_.async_read_some(asio::buffer(&read_byte_, 1),
                          [self = shared_from_this(), epoch = epoch_](
                              const boost::system::error_code& e, std::size_t) {
                            if (self->closed_ || epoch != self->epoch_) return;
                            if (e) {
                              self->broke(epoch, e);
                              return;
                            }
                            self->watch_for_close();
                          });
}

void PeerLink::broke(std::uint64_t epoch, const boost::system::error_code& error) {
  if (epoch != epoch_ || !connected_) return;
  spdlog::debug("link to peer {} broke: {}", peer_id_, error.message());
  connected_ = false;
  writing_in_progress_ = false;
  ++epoch_;  // Ignore the other pending handler of this connection.
  boost::system::error_code ignored;
  socket_.close(ignored);
  schedule_reconnect();
  if (on_down_) on_down_(peer_id_);
}

void PeerLink::close() {
  closed_ = true;
  boost::system::error_code ignored;
  retry_timer_.cancel();
  socket_.close(ignored);
}

}  // namespace ringkv::runtime
