// RequestSink: how a protocol front end (native sessions, RESP sessions, HTTP) hands a client
// request to the node hosted by the runtime and learns its reply. Called and answered on the
// runtime's event-loop thread.
#pragma once

#include <functional>

#include "core/requests.h"

namespace ringkv::runtime {

using ReplyCallback = std::function<void(core::ClientReply)>;

class RequestSink {
 public:
  virtual ~RequestSink() = default;
  // Submits `request` (its request_id is ignored and replaced); `on_reply` runs exactly once on
  // the event-loop thread, unless the node shuts down first.
  virtual void submit(core::ClientRequest request, ReplyCallback on_reply) = 0;
};

}  // namespace ringkv::runtime
