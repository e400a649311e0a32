// RespWriter: builds Redis-protocol replies for the protocol a connection speaks, RESP2 (the
// default) or RESP3 (after `HELLO 3`), as Redis documents both in
// https://redis.io/docs/reference/protocol-spec/. A command's planner writes every reply through
// a writer made for its connection (RespSession::writer(), api/resp_session.h), so it describes
// the reply once and the writer picks the encoding:
//
//   method            RESP3                     RESP2 (what Redis sends a RESP2 client)
//   simple("OK")      +OK                       +OK
//   error("ERR x")    -ERR x                    -ERR x
//   integer(7)        :7                        :7
//   bulk("v")         $1 v                      $1 v
//   null()            _                         $-1        (a missing value: GET of no key)
//   null_array()      _                         *-1        (a missing aggregate: COMMAND INFO)
//   array(n)          *n + n replies            *n + n replies
//   map(n)            %n + n key/value pairs    *2n + 2n replies (key, value, key, value, ...)
//   set(n)            ~n + n replies            *n + n replies
//   floating(1.5)     ,1.5                      $3 1.5     (a bulk string, as Redis does)
//   boolean(true)     #t                        :1
//   big_number("1")   (1                        $1 1
//   verbatim(text)    =len txt:text             $len text  (INFO, CLIENT INFO)
//
// A planner emitting a map {"name": value-or-nil} for either protocol:
//
//   RespWriter out = session.writer();
//   out.map(1);
//   out.bulk("name");
//   if (value) out.bulk(*value); else out.null();
//   return reply_step(std::move(out));
//
// Aggregates announce their element count first, then the caller writes exactly that many
// replies (a map: twice as many, keys and values alternating); nothing checks the count, so a
// planner counts before it writes. Doubles are written as the shortest text that reads back to
// the same value ("0.1", "1e+100"), as Redis 7.2 does, with inf, -inf and nan spelled so.
// Thread-safety: a plain value; free functions are stateless.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ringkv::api {

// The protocol a connection speaks; HELLO 2 or HELLO 3 switch it, RESP2 until then.
enum class RespProtocol : std::uint8_t { kResp2 = 2, kResp3 = 3 };

class RespWriter {
 public:
  explicit RespWriter(RespProtocol protocol) : protocol_(protocol) {}

  RespProtocol protocol() const { return protocol_; }
  bool resp3() const { return protocol_ == RespProtocol::kResp3; }

  // "+text". CR and LF inside `text` become spaces: they would end the reply early.
  void simple(std::string_view text);
  // "-message", where message starts with an error code ("ERR", "TOOLARGE"); CR/LF as above.
  void error(std::string_view message);
  void integer(std::int64_t value);
  // Binary safe.
  void bulk(std::string_view bytes);
  // Nil in place of a bulk string (an absent key).
  void null();
  // Nil in place of an array (COMMAND INFO of an unknown command).
  void null_array();
  void array(std::size_t count);
  // `pairs` key/value pairs follow.
  void map(std::size_t pairs);
  void set(std::size_t count);
  void floating(double value);
  void boolean(bool value);
  // An integer of any size, as decimal digits with an optional leading '-'.
  void big_number(std::string_view digits);
  // Text meant for people (INFO); `format` is three characters ("txt", "mkd").
  void verbatim(std::string_view text, std::string_view format = "txt");
  // A reply already encoded for this writer's protocol (EXEC gathers its commands' replies).
  void raw(std::string_view encoded) { out_.append(encoded); }

  const std::string& buffer() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  RespProtocol protocol_;
  std::string out_;
};

// A double as RESP3's ',' and RESP2's bulk string carry it: the shortest round-trip text, "inf",
// "-inf" or "nan".
std::string resp_double_text(double value);

// A request as client libraries send it: an array of bulk strings.
std::string encode_resp_command(const std::vector<std::string>& args);

}  // namespace ringkv::api
