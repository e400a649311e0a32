// Encoders for Redis-protocol (RESP2) replies, appended to an output buffer so a connection can
// build many replies into one write. Pure functions over bytes, shared by the RESP command layer,
// the server and the tests (encode_resp_command builds requests as a client library would).
// Thread-safety: free functions without state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ringkv::api {

// "+text\r\n". CR and LF inside `text` become spaces: they would end the reply early.
void append_resp_simple_string(std::string& out, std::string_view text);
// "-message\r\n", where message starts with an error code ("ERR", "TOOLARGE"); CR/LF as above.
void append_resp_error(std::string& out, std::string_view message);
// ":value\r\n".
void append_resp_integer(std::string& out, std::int64_t value);
// "$length\r\nbytes\r\n"; binary safe.
void append_resp_bulk_string(std::string& out, std::string_view bytes);
// "$-1\r\n": Redis's nil, for an absent key.
void append_resp_null_bulk_string(std::string& out);
// "*count\r\n", followed by `count` replies appended by the caller.
void append_resp_array_header(std::string& out, std::size_t count);
// "*-1\r\n": a nil array.
void append_resp_null_array(std::string& out);

// A request as client libraries send it: an array of bulk strings.
std::string encode_resp_command(const std::vector<std::string>& args);

}  // namespace ringkv::api
