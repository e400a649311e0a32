// HTTP/JSON request handling; see http_api.h and docs/HTTP.md.
#include "api/http_api.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>

#include "api/base64.h"
#include "api/resp_planner.h"
#include "common/limits.h"
#include "core/datatypes/data_op.h"
#include "core/datatypes/data_types.h"
#include "core/requests.h"
#include "core/scan/scan_page.h"

namespace ringkv::api {
namespace {

using core::ClientReply;
using core::ClientRequest;
using Json = nlohmann::json;

constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";
constexpr std::string_view kJson = "application/json";
constexpr std::uint32_t kTimeoutMsMax = 10 * 60 * 1000;

HttpStep answer(HttpResponse response) {
  HttpStep step;
  step.response = std::move(response);
  return step;
}

HttpStep error_step(unsigned status, std::string message) {
  return answer(http_error(status, std::move(message)));
}

HttpResponse json_response(unsigned status, const Json& body) {
  HttpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", std::string(kJson));
  response.body = body.dump() + "\n";
  return response;
}

// A value as JSON: the text when it is valid UTF-8, else base64 under "value_base64".
void put_value(Json& out, const std::string& value) {
  Json probe = value;
  try {
    (void)probe.dump();
    out["value"] = value;
  } catch (const Json::exception&) {
    out["value_base64"] = base64_encode(value);
  }
}

// --- Targets and query parameters --------------------------------------------------------------

struct Target {
  std::vector<std::string> segments;  // Percent-decoded.
  std::vector<std::pair<std::string, std::string>> query;
  std::string path;  // As sent, without the query.

  std::optional<std::string> param(std::string_view name) const {
    for (const auto& [key, value] : query) {
      if (key == name) return value;
    }
    return std::nullopt;
  }
};

std::optional<std::string> query_decode(std::string_view text) {
  std::string plus_as_space(text);
  std::replace(plus_as_space.begin(), plus_as_space.end(), '+', ' ');
  return percent_decode(plus_as_space);
}

Result<Target> parse_target(std::string_view target) {
  Target out;
  const std::size_t question = target.find('?');
  out.path = std::string(target.substr(0, question));
  if (out.path.empty() || out.path.front() != '/') {
    return Status::invalid_argument("the request target must start with '/'");
  }
  std::string_view rest = std::string_view(out.path).substr(1);
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    const std::string_view raw = rest.substr(0, slash);
    auto decoded = percent_decode(raw);
    if (!decoded) return Status::invalid_argument("malformed percent escape in the path");
    out.segments.push_back(std::move(*decoded));
    if (slash == std::string_view::npos) break;
    rest = rest.substr(slash + 1);
    if (rest.empty()) out.segments.emplace_back();  // A trailing slash.
  }
  if (question != std::string_view::npos) {
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
      const std::size_t amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      if (!pair.empty()) {
        const std::size_t equals = pair.find('=');
        auto key = query_decode(pair.substr(0, equals));
        auto value = query_decode(equals == std::string_view::npos ? std::string_view()
                                                                   : pair.substr(equals + 1));
        if (!key || !value)
          return Status::invalid_argument("malformed percent escape in the query");
        out.query.emplace_back(std::move(*key), std::move(*value));
      }
      if (amp == std::string_view::npos) break;
      query = query.substr(amp + 1);
    }
  }
  return out;
}

// A quorum parameter: an integer >= 1, one, quorum, all or default (0: the bucket's value).
Result<std::uint32_t> quorum_param(const Target& target, std::string_view name, std::uint32_t n) {
  const auto text = target.param(name);
  if (!text || text->empty() || *text == "default") return std::uint32_t{0};
  if (*text == "one") return std::uint32_t{1};
  if (*text == "quorum") return n / 2 + 1;
  if (*text == "all") return n;
  std::uint32_t value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error == std::errc() && end == text->data() + text->size() && value >= 1) return value;
  return Status::invalid_argument(std::string(name) +
                                  " query parameter must be a positive integer or one of the "
                                  "words 'one', 'quorum', 'all' or 'default', not '" +
                                  *text + "'");
}

Result<std::uint32_t> timeout_param(const Target& target) {
  const auto text = target.param("timeout");
  if (!text || text->empty()) return std::uint32_t{0};
  std::uint32_t value = 0;
  const auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (error == std::errc() && end == text->data() + text->size() && value >= 1 &&
      value <= kTimeoutMsMax) {
    return value;
  }
  return Status::invalid_argument("timeout query parameter must be milliseconds from 1 to " +
                                  std::to_string(kTimeoutMsMax) + ", not '" + *text + "'");
}

// Applies the quorum parameters of a read (r, pr) or a write (w, pw) and timeout to `request`;
// any other parameter is refused unless `listing` allows the key listing's. An error names the
// parameter.
Status apply_params(const Target& target, std::uint32_t n, bool reads, bool writes,
                    ClientRequest& request, bool listing = false) {
  for (const auto& [key, value] : target.query) {
    const bool known =
        key == "timeout" || (reads && (key == "r" || key == "pr")) ||
        (writes && (key == "w" || key == "pw")) ||
        (listing && (key == "keys" || key == "max_results" || key == "continuation"));
    if (!known) return Status::invalid_argument("unknown query parameter '" + key + "'");
  }
  if (reads) {
    auto r = quorum_param(target, "r", n);
    if (!r.is_ok()) return r.status();
    auto pr = quorum_param(target, "pr", n);
    if (!pr.is_ok()) return pr.status();
    request.r = *r;
    request.pr = *pr;
  }
  if (writes) {
    auto w = quorum_param(target, "w", n);
    if (!w.is_ok()) return w.status();
    auto pw = quorum_param(target, "pw", n);
    if (!pw.is_ok()) return pw.status();
    request.w = *w;
    request.pw = *pw;
  }
  auto timeout = timeout_param(target);
  if (!timeout.is_ok()) return timeout.status();
  request.timeout_ms = *timeout;
  return Status::ok();
}

Result<std::string> context_of(const HttpRequest& request) {
  const auto header = request.header(kContextHeader);
  if (!header || header->empty()) return std::string();
  auto decoded = base64_decode(*header);
  if (!decoded.is_ok()) {
    return Status::invalid_argument(
        "the X-Ringkv-Context header is not base64 (use the context "
        "a GET returned)");
  }
  if (decoded->size() > limits::kContextMaxBytes) {
    return Status::invalid_argument("the X-Ringkv-Context header is too long");
  }
  return std::move(decoded).value();
}

HttpResponse failure(const Status& status) {
  return http_error(http_status_of(status), status.to_string());
}

bool accepts_json(const HttpRequest& request) {
  const auto accept = request.header("accept");
  return accept && accept->find("application/json") != std::string_view::npos;
}

// --- Keys --------------------------------------------------------------------------------------

HttpStep key_get(const HttpRequest& request, const Target& target, std::string bucket,
                 std::string key, const HttpHost& host) {
  ClientRequest get = make_get(bucket, std::move(key));
  if (auto status = apply_params(target, host.bucket_n(bucket), true, false, get);
      !status.is_ok()) {
    return answer(failure(status));
  }
  HttpStep step;
  step.requests.push_back(std::move(get));
  step.then = [json = accepts_json(request),
               head = request.method == "HEAD"](std::vector<ClientReply> replies) {
    ClientReply& reply = replies.at(0);
    if (!reply.status.is_ok()) return answer(failure(reply.status));
    HttpResponse response;
    if (!reply.context.empty()) {
      response.headers.emplace_back("X-Ringkv-Context", base64_encode(reply.context));
    }
    if (reply.values.empty()) {
      response.status = 404;
      response.headers.emplace_back("Content-Type", std::string(kTextPlain));
      response.body = "not found\n";
    } else if (json) {
      Json body;
      body["context"] = base64_encode(reply.context);
      Json siblings = Json::array();
      for (const auto& value : reply.values) {
        Json sibling;
        put_value(sibling, value);
        siblings.push_back(std::move(sibling));
      }
      body["siblings"] = std::move(siblings);
      response.status = reply.values.size() == 1 ? 200 : 300;
      response.headers.emplace_back("Content-Type", std::string(kJson));
      response.body = body.dump() + "\n";
    } else if (reply.values.size() == 1) {
      response.status = 200;
      response.headers.emplace_back("Content-Type", "application/octet-stream");
      response.body = std::move(reply.values[0]);
    } else {
      // A boundary that appears in no part.
      std::string boundary = "ringkv-siblings";
      for (int attempt = 0;; ++attempt) {
        const bool clash = std::any_of(
            reply.values.begin(), reply.values.end(),
            [&](const std::string& v) { return v.find(boundary) != std::string::npos; });
        if (!clash) break;
        boundary = "ringkv-siblings-" + std::to_string(attempt);
      }
      response.status = 300;
      response.headers.emplace_back("Content-Type", "multipart/mixed; boundary=" + boundary);
      for (const auto& value : reply.values) {
        response.body += "--" + boundary + "\r\nContent-Type: application/octet-stream\r\n\r\n";
        response.body += value;
        response.body += "\r\n";
      }
      response.body += "--" + boundary + "--\r\n";
    }
    if (head) response.body.clear();
    return answer(std::move(response));
  };
  return step;
}

HttpStep key_write(HttpRequest& request, const Target& target, std::string bucket, std::string key,
                   const HttpHost& host) {
  const bool is_delete = request.method == "DELETE";
  if (!is_delete && request.body.size() > host.value_max_bytes) {
    return error_step(413, "the value of " + std::to_string(request.body.size()) +
                               " bytes exceeds value_max_bytes (" +
                               std::to_string(host.value_max_bytes) + ")");
  }
  auto context = context_of(request);
  if (!context.is_ok()) return answer(failure(context.status()));
  const bool blind = context->empty();
  ClientRequest write = is_delete ? make_delete(bucket, std::move(key), std::move(context).value())
                                  : make_put(bucket, std::move(key), std::move(request.body),
                                             std::move(context).value(), blind);
  // Without a context a write replaces every version the coordinating node knows (as Redis SET
  // does); writes concurrent with it still become siblings.
  write.supersede_known = blind;
  if (auto status = apply_params(target, host.bucket_n(bucket), false, true, write);
      !status.is_ok()) {
    return answer(failure(status));
  }
  HttpStep step;
  step.requests.push_back(std::move(write));
  step.then = [](std::vector<ClientReply> replies) {
    const ClientReply& reply = replies.at(0);
    if (!reply.status.is_ok()) return answer(failure(reply.status));
    HttpResponse response;
    response.status = 204;
    return answer(std::move(response));
  };
  return step;
}

// --- Key listing -------------------------------------------------------------------------------

struct ListParams {
  std::uint32_t count = kHttpKeysPageDefault;
  bool stream = false;
  std::uint32_t r = 0;
  std::uint32_t timeout_ms = 0;
};

HttpStep key_list_step(std::string bucket, std::string cursor, ListParams params, bool first);

HttpStep list_keys(const Target& target, std::string bucket, const HttpHost& host) {
  const auto mode = target.param("keys");
  if (!mode || (*mode != "stream" && *mode != "true")) {
    return error_step(400, "keys query parameter must be 'true' (one page) or 'stream'");
  }
  ClientRequest scratch;
  if (auto status = apply_params(target, host.bucket_n(bucket), true, false, scratch, true);
      !status.is_ok()) {
    return answer(failure(status));
  }
  ListParams params;
  params.stream = *mode == "stream";
  params.r = scratch.r;
  params.timeout_ms = scratch.timeout_ms;
  if (const auto max = target.param("max_results")) {
    const auto [end, error] = std::from_chars(max->data(), max->data() + max->size(), params.count);
    if (error != std::errc() || end != max->data() + max->size() || params.count < 1 ||
        params.count > core::kScanCountMax) {
      return error_step(400, "max_results query parameter must be from 1 to " +
                                 std::to_string(core::kScanCountMax));
    }
  }
  std::string cursor = target.param("continuation").value_or("");
  if (params.stream && !cursor.empty()) {
    return error_step(400, "continuation query parameter is for keys=true pages");
  }
  if (cursor.empty()) cursor = "0";
  return key_list_step(std::move(bucket), std::move(cursor), params, true);
}

HttpStep key_list_step(std::string bucket, std::string cursor, ListParams params, bool first) {
  ClientRequest scan = make_scan(bucket, cursor, params.count, {}, {}, false);
  scan.r = params.r;
  scan.timeout_ms = params.timeout_ms;
  HttpStep step;
  step.requests.push_back(std::move(scan));
  step.then = [bucket = std::move(bucket), params, first](std::vector<ClientReply> replies) {
    const bool stream = params.stream;
    ClientReply& reply = replies.at(0);
    if (!reply.status.is_ok()) {
      if (!stream || first) return answer(failure(reply.status));
      // Mid-stream the status line is gone: end the stream with an error object.
      HttpStep last;
      last.streaming = true;
      last.chunk = Json{{"error", reply.status.to_string()}}.dump() + "\n";
      return last;
    }
    Json page;
    page["keys"] = Json::array();
    for (auto& key : reply.scan.keys) {
      Json entry;
      put_value(entry, key);
      if (entry.contains("value")) {
        page["keys"].push_back(std::move(entry["value"]));
      } else {
        page["keys"].push_back(Json{{"base64", entry["value_base64"]}});
      }
    }
    const bool done = reply.scan.cursor.empty() || reply.scan.cursor == "0";
    if (!stream) {
      if (!done) page["continuation"] = reply.scan.cursor;
      return answer(json_response(200, page));
    }
    HttpStep next = done ? HttpStep() : key_list_step(bucket, reply.scan.cursor, params, false);
    next.streaming = true;
    if (first) {
      HttpResponse head;
      head.headers.emplace_back("Content-Type", std::string(kJson));
      next.response = std::move(head);
    }
    if (!reply.scan.keys.empty() || first) next.chunk = page.dump() + "\n";
    return next;
  };
  return step;
}

// --- Data types --------------------------------------------------------------------------------

HttpStep datatype_get(const Target& target, std::string bucket, std::string key,
                      const HttpHost& host) {
  ClientRequest get = make_get(bucket, std::move(key));
  get.with_object = true;
  if (auto status = apply_params(target, host.bucket_n(bucket), true, false, get);
      !status.is_ok()) {
    return answer(failure(status));
  }
  HttpStep step;
  step.requests.push_back(std::move(get));
  step.then = [](std::vector<ClientReply> replies) {
    const ClientReply& reply = replies.at(0);
    if (!reply.status.is_ok()) return answer(failure(reply.status));
    core::VersionedObject object;
    if (!reply.object.empty()) {
      auto decoded = core::VersionedObject::decode(reply.object);
      if (!decoded.is_ok()) return answer(failure(decoded.status()));
      object = std::move(decoded).value();
    }
    const std::uint64_t now = reply.now_ms;
    Json body;
    switch (core::type_of(object, now)) {
      case core::ValueType::kNone:
        return error_step(404, "not found");
      case core::ValueType::kString: {
        const auto value = core::string_value(object, now);
        std::int64_t number = 0;
        const auto [end, error] =
            std::from_chars(value.text.data(), value.text.data() + value.text.size(), number);
        if (error == std::errc() && end == value.text.data() + value.text.size()) {
          body["type"] = "counter";
          body["value"] = number;
        } else {
          body["type"] = "string";
          put_value(body, value.text);
        }
        break;
      }
      case core::ValueType::kSet: {
        body["type"] = "set";
        Json members = Json::array();
        for (const auto& member : core::set_members(object, now)) {
          Json entry;
          put_value(entry, member);
          members.push_back(entry.contains("value") ? entry["value"] : entry);
        }
        body["value"] = std::move(members);
        break;
      }
      case core::ValueType::kHash: {
        body["type"] = "hash";
        Json fields = Json::object();
        for (const auto& [field, value] : core::hash_fields(object, now)) {
          Json entry;
          put_value(entry, value);
          fields[field] = entry.contains("value") ? entry["value"] : entry;
        }
        body["value"] = std::move(fields);
        break;
      }
    }
    if (const auto expiry = core::expiry_of(object)) body["expires_at_ms"] = *expiry;
    return answer(json_response(200, body));
  };
  return step;
}

// The DataOps a JSON operation stands for, in order; an error names what is wrong.
Result<std::vector<core::DataOp>> datatype_ops(const std::string& text) {
  const Json body = Json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object() || body.empty()) {
    return Status::invalid_argument(
        "the body must be a JSON object such as {\"increment\": 1}, {\"add\": [\"m\"]}, "
        "{\"remove\": [\"m\"]}, {\"update\": {\"f\": \"v\"}} or {\"remove_fields\": [\"f\"]}");
  }
  auto strings = [](const Json& value, std::string_view name) -> Result<std::vector<std::string>> {
    if (!value.is_array() || value.empty()) {
      return Status::invalid_argument(std::string(name) + " must be a non-empty array of strings");
    }
    std::vector<std::string> out;
    for (const auto& item : value) {
      if (!item.is_string()) {
        return Status::invalid_argument(std::string(name) + " must hold strings only");
      }
      out.push_back(item.get<std::string>());
    }
    return out;
  };
  std::vector<core::DataOp> ops;
  for (const auto& [name, value] : body.items()) {
    if (name == "increment") {
      if (value.is_number_integer()) {
        ops.push_back(core::make_data_op(core::DataOpCode::kIncrBy, {}, value.get<std::int64_t>()));
      } else if (value.is_object()) {
        for (const auto& [field, amount] : value.items()) {
          if (!amount.is_number_integer()) {
            return Status::invalid_argument("increment of field '" + field +
                                            "' must be an integer");
          }
          ops.push_back(core::make_data_op(core::DataOpCode::kHashIncrBy, {field},
                                           amount.get<std::int64_t>()));
        }
      } else {
        return Status::invalid_argument(
            "increment must be an integer (a counter) or an object of field increments (a hash)");
      }
    } else if (name == "add") {
      auto members = strings(value, "add");
      if (!members.is_ok()) return members.status();
      ops.push_back(core::make_data_op(core::DataOpCode::kSetAdd, std::move(members).value()));
    } else if (name == "remove") {
      auto members = strings(value, "remove");
      if (!members.is_ok()) return members.status();
      ops.push_back(core::make_data_op(core::DataOpCode::kSetRemove, std::move(members).value()));
    } else if (name == "update") {
      if (!value.is_object() || value.empty()) {
        return Status::invalid_argument("update must be a non-empty object of field values");
      }
      std::vector<std::string> args;
      for (const auto& [field, field_value] : value.items()) {
        if (!field_value.is_string()) {
          return Status::invalid_argument("update of field '" + field + "' must be a string");
        }
        args.push_back(field);
        args.push_back(field_value.get<std::string>());
      }
      ops.push_back(core::make_data_op(core::DataOpCode::kHashSet, std::move(args)));
    } else if (name == "remove_fields") {
      auto fields = strings(value, "remove_fields");
      if (!fields.is_ok()) return fields.status();
      ops.push_back(core::make_data_op(core::DataOpCode::kHashDelete, std::move(fields).value()));
    } else {
      return Status::invalid_argument("unknown operation '" + name +
                                      "' (increment, add, remove, update, remove_fields)");
    }
  }
  return ops;
}

// Runs `ops` on one key one after another (each a coordinator's read-modify-write), then 204.
HttpStep run_ops(std::string bucket, std::string key, std::vector<core::DataOp> ops,
                 std::size_t next, const ClientRequest& params) {
  if (next == ops.size()) {
    HttpResponse done;
    done.status = 204;
    return answer(std::move(done));
  }
  ClientRequest update = make_update(bucket, key, ops[next]);
  update.w = params.w;
  update.pw = params.pw;
  update.timeout_ms = params.timeout_ms;
  HttpStep step;
  step.requests.push_back(std::move(update));
  step.then = [bucket = std::move(bucket), key = std::move(key), ops = std::move(ops), next,
               params](std::vector<ClientReply> replies) mutable {
    const ClientReply& reply = replies.at(0);
    if (!reply.status.is_ok()) return answer(failure(reply.status));
    return run_ops(std::move(bucket), std::move(key), std::move(ops), next + 1, params);
  };
  return step;
}

HttpStep datatype_post(const HttpRequest& request, const Target& target, std::string bucket,
                       std::string key, const HttpHost& host) {
  const auto type = request.header("content-type");
  if (!type || type->find("application/json") == std::string_view::npos) {
    return error_step(415, "a data-type operation needs Content-Type: application/json");
  }
  ClientRequest params;
  if (auto status = apply_params(target, host.bucket_n(bucket), false, true, params);
      !status.is_ok()) {
    return answer(failure(status));
  }
  auto ops = datatype_ops(request.body);
  if (!ops.is_ok()) return answer(failure(ops.status()));
  return run_ops(std::move(bucket), std::move(key), std::move(ops).value(), 0, params);
}

// --- Bucket properties -------------------------------------------------------------------------

HttpStep method_not_allowed(std::string_view allowed);

HttpStep no_content() {
  HttpResponse response;
  response.status = 204;
  return answer(std::move(response));
}

// PUT /buckets/B/props: {"props": {"n": 5, "r": "quorum", ...}} (Riak's form) or the inner object.
HttpStep bucket_props(const HttpRequest& request, const std::string& bucket, const HttpHost& host) {
  const std::string& method = request.method;
  if (!host.bucket_props || !host.set_bucket_props || !host.reset_bucket_props) {
    return error_step(404, "not served by this node");
  }
  if (method == "GET" || method == "HEAD") {
    auto document = host.bucket_props(bucket);
    if (!document.is_ok()) return answer(failure(document.status()));
    HttpResponse response;
    response.headers.emplace_back("Content-Type", std::string(kJson));
    response.body = std::move(document).value();
    return answer(std::move(response));
  }
  if (method == "DELETE") {
    if (Status status = host.reset_bucket_props(bucket); !status.is_ok()) {
      return answer(failure(status));
    }
    return no_content();
  }
  if (method != "PUT") return method_not_allowed("GET, HEAD, PUT, DELETE");
  const auto type = request.header("content-type");
  if (!type || type->find("application/json") == std::string_view::npos) {
    return error_step(415, "bucket properties need Content-Type: application/json");
  }
  const Json body = Json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return error_step(400, "the body must be a JSON object: {\"props\": {\"n\": 5, ...}}");
  }
  const Json& props = body.contains("props") ? body["props"] : body;
  if (!props.is_object() || props.empty()) {
    return error_step(400, "props must be a JSON object naming at least one property");
  }
  if (props.size() > 16) return error_step(400, "at most 16 properties per request");
  std::vector<std::pair<std::string, std::string>> changes;
  for (const auto& [name, value] : props.items()) {
    if (value.is_number_unsigned()) {
      changes.emplace_back(name, std::to_string(value.get<std::uint64_t>()));
    } else if (value.is_string()) {
      changes.emplace_back(name, value.get<std::string>());
    } else {
      return error_step(400,
                        "bucket property " + name + " must be a non-negative integer or a string");
    }
  }
  if (Status status = host.set_bucket_props(bucket, changes); !status.is_ok()) {
    return answer(failure(status));
  }
  return no_content();
}

// --- Routing -----------------------------------------------------------------------------------

HttpStep method_not_allowed(std::string_view allowed) {
  HttpResponse response =
      http_error(405, "method not allowed here; allowed: " + std::string(allowed));
  response.headers.emplace_back("Allow", std::string(allowed));
  return answer(std::move(response));
}

HttpStep host_document(const std::function<std::string()>& source, std::string_view type) {
  if (!source) return error_step(404, "not served by this node");
  HttpResponse response;
  response.headers.emplace_back("Content-Type", std::string(type));
  response.body = source();
  return answer(std::move(response));
}

Status check_name(std::string_view what, const std::string& name, std::size_t max) {
  if (name.empty()) return Status::invalid_argument(std::string(what) + " name is empty");
  if (name.size() > max) {
    return Status::too_large(std::string(what) + " name of " + std::to_string(name.size()) +
                             " bytes exceeds the limit of " + std::to_string(max));
  }
  return Status::ok();
}

}  // namespace

std::optional<std::string_view> HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    unsigned value = 0;
    const auto [end, error] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
    if (error != std::errc() || end != text.data() + i + 3) return std::nullopt;
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  return out;
}

unsigned http_status_of(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kUnsupported:
      return 400;
    case StatusCode::kTooLarge:
      return 413;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kUnavailable:
    case StatusCode::kTimeout:
      return 503;
    default:
      return 500;
  }
}

HttpResponse http_error(unsigned status, std::string message) {
  HttpResponse response;
  response.status = status;
  response.headers.emplace_back("Content-Type", std::string(kTextPlain));
  response.body = std::move(message);
  response.body += "\n";
  return response;
}

HttpStep plan_http(HttpRequest request, const HttpHost& host) {
  auto parsed = parse_target(request.target);
  if (!parsed.is_ok()) return answer(failure(parsed.status()));
  const Target& target = *parsed;
  const auto& segments = target.segments;
  const std::string& method = request.method;
  const bool get = method == "GET" || method == "HEAD";

  if (!segments.empty() && segments[0] == "buckets" && segments.size() >= 3) {
    const std::string& bucket = segments[1];
    if (auto status = check_name("bucket", bucket, limits::kBucketMaxBytes); !status.is_ok()) {
      return answer(failure(status));
    }
    const std::string& kind = segments[2];
    if (segments.size() == 3 && kind == "props") return bucket_props(request, bucket, host);
    if (segments.size() == 3 && kind == "keys") {
      if (!get) return method_not_allowed("GET, HEAD");
      return list_keys(target, bucket, host);
    }
    if (segments.size() == 4 && (kind == "keys" || kind == "datatypes")) {
      std::string key = segments[3];
      if (auto status = check_name("key", key, limits::kKeyMaxBytes); !status.is_ok()) {
        return answer(failure(status));
      }
      if (kind == "keys") {
        if (get) return key_get(request, target, bucket, std::move(key), host);
        if (method == "PUT" || method == "POST" || method == "DELETE") {
          return key_write(request, target, bucket, std::move(key), host);
        }
        return method_not_allowed("GET, HEAD, PUT, POST, DELETE");
      }
      if (get) return datatype_get(target, bucket, std::move(key), host);
      if (method == "POST" || method == "PUT") {
        return datatype_post(request, target, bucket, std::move(key), host);
      }
      return method_not_allowed("GET, HEAD, POST, PUT");
    }
    return error_step(404, "no such resource: " + target.path);
  }
  if (segments.size() == 1) {
    const std::string& name = segments[0];
    if (name == "ping") {
      if (!get) return method_not_allowed("GET, HEAD");
      HttpResponse response;
      response.headers.emplace_back("Content-Type", std::string(kTextPlain));
      response.body = "OK\n";
      return answer(std::move(response));
    }
    if (name == "buckets") {
      if (!get) return method_not_allowed("GET, HEAD");
      return host_document(host.buckets_json, kJson);
    }
    if (name == "stats" || name == "cluster" || name == "metrics") {
      if (!get) return method_not_allowed("GET, HEAD");
      if (name == "stats") return host_document(host.stats_json, kJson);
      if (name == "cluster") return host_document(host.cluster_json, kJson);
      return host_document(host.metrics_text, "text/plain; version=0.0.4; charset=utf-8");
    }
  }
  if (get && host.asset) {
    if (auto asset = host.asset(target.path)) {
      HttpResponse response;
      response.headers.emplace_back("Content-Type", asset->first);
      response.headers.emplace_back("Cache-Control", "no-cache");
      response.body = std::move(asset->second);
      return answer(std::move(response));
    }
  }
  return error_step(404, "no such resource: " + target.path);
}

}  // namespace ringkv::api
