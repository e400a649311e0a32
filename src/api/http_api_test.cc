// The HTTP/JSON request handling (http_api.cc) against the RESP tests' FakeStore, which answers
// core requests with the core's version and data-type semantics.
#include "api/http_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "api/base64.h"
#include "api/dashboard_assets.h"
#include "api/resp_commands_test_support.h"

namespace ringkv::api {
namespace {

using resp_testing::FakeStore;
using Json = nlohmann::json;

struct Answer {
  HttpResponse response;
  std::string streamed;  // The chunks of a streamed answer, concatenated.
  bool streaming = false;

  std::string header(std::string_view name) const {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return {};
  }
};

HttpHost test_host() {
  HttpHost host;
  host.value_max_bytes = 64;
  host.bucket_n = [](std::string_view) { return 3u; };
  host.stats_json = [] { return std::string("{\"gets\":1}"); };
  return host;
}

// Runs every step of `request` against `store` as the HTTP server would.
Answer run(FakeStore& store, HttpRequest request, const HttpHost& host = test_host()) {
  Answer out;
  HttpStep step = plan_http(std::move(request), host);
  for (int guard = 0; guard < 1000; ++guard) {
    if (step.response) out.response = *step.response;
    if (step.streaming) {
      out.streaming = true;
      out.streamed += step.chunk;
    }
    if (step.finished()) return out;
    std::vector<core::ClientReply> replies;
    for (const auto& r : step.requests) replies.push_back(store.apply(r));
    step = step.then(std::move(replies));
  }
  ADD_FAILURE() << "the request never finished";
  return out;
}

HttpRequest req(std::string method, std::string target, std::string body = {},
                std::vector<std::pair<std::string, std::string>> headers = {}) {
  HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

TEST(HttpApi, PutThenGetReturnsTheValueAndItsContext) {
  FakeStore store;
  Answer put = run(store, req("PUT", "/buckets/b/keys/k", "hello"));
  EXPECT_EQ(put.response.status, 204u);
  Answer got = run(store, req("GET", "/buckets/b/keys/k"));
  EXPECT_EQ(got.response.status, 200u);
  EXPECT_EQ(got.response.body, "hello");
  EXPECT_EQ(got.header("Content-Type"), "application/octet-stream");
  EXPECT_FALSE(got.header("X-Ringkv-Context").empty());
  // HEAD answers the same status and headers without the body.
  Answer head = run(store, req("HEAD", "/buckets/b/keys/k"));
  EXPECT_EQ(head.response.status, 200u);
  EXPECT_TRUE(head.response.body.empty());
}

TEST(HttpApi, KeysArePercentDecodedAndMayHoldAnyByte) {
  FakeStore store;
  EXPECT_EQ(run(store, req("PUT", "/buckets/b/keys/a%2Fb%00c", "v")).response.status, 204u);
  EXPECT_EQ(store.requests.back().key, std::string("a/b\0c", 5));
  EXPECT_EQ(run(store, req("GET", "/buckets/b/keys/a%zz")).response.status, 400u);
  EXPECT_EQ(run(store, req("GET", "/buckets/b/keys/a%4")).response.status, 400u);
}

TEST(HttpApi, SiblingsAnswer300AsMultipartOrJson) {
  FakeStore store;
  store.put_siblings("k", {"one", "two"});
  Answer multipart = run(store, req("GET", "/buckets/default/keys/k"));
  EXPECT_EQ(multipart.response.status, 300u);
  const std::string type = multipart.header("Content-Type");
  ASSERT_TRUE(type.starts_with("multipart/mixed; boundary=")) << type;
  const std::string boundary = type.substr(type.find('=') + 1);
  EXPECT_NE(multipart.response.body.find("--" + boundary + "\r\n"), std::string::npos);
  EXPECT_NE(multipart.response.body.find("\r\n\r\none\r\n"), std::string::npos);
  EXPECT_NE(multipart.response.body.find("\r\n\r\ntwo\r\n"), std::string::npos);
  EXPECT_TRUE(multipart.response.body.ends_with("--" + boundary + "--\r\n"));

  Answer json =
      run(store, req("GET", "/buckets/default/keys/k", {}, {{"accept", "application/json"}}));
  EXPECT_EQ(json.response.status, 300u);
  const Json body = Json::parse(json.response.body);
  ASSERT_EQ(body["siblings"].size(), 2u);
  EXPECT_EQ(body["context"], json.header("X-Ringkv-Context"));

  // A write with that context replaces both.
  Answer put = run(store, req("PUT", "/buckets/default/keys/k", "merged",
                              {{"x-ringkv-context", json.header("X-Ringkv-Context")}}));
  EXPECT_EQ(put.response.status, 204u);
  EXPECT_EQ(store.values("k"), std::vector<std::string>{"merged"});
}

TEST(HttpApi, ABoundaryNeverAppearsInsideAPart) {
  FakeStore store;
  store.put_siblings("k", {"a--ringkv-siblings", "b"});
  Answer multipart = run(store, req("GET", "/buckets/default/keys/k"));
  const std::string type = multipart.header("Content-Type");
  EXPECT_EQ(type, "multipart/mixed; boundary=ringkv-siblings-0");
}

TEST(HttpApi, BinaryValuesTravelAsBase64InJson) {
  FakeStore store;
  store.put_siblings("k", {std::string("\xff\xfe", 2), "text"});
  Answer json =
      run(store, req("GET", "/buckets/default/keys/k", {}, {{"accept", "application/json"}}));
  const Json body = Json::parse(json.response.body);
  int base64 = 0;
  for (const auto& sibling : body["siblings"]) {
    if (sibling.contains("value_base64")) {
      ++base64;
      EXPECT_EQ(sibling["value_base64"], base64_encode(std::string("\xff\xfe", 2)));
    } else {
      EXPECT_EQ(sibling["value"], "text");
    }
  }
  EXPECT_EQ(base64, 1);
}

TEST(HttpApi, ADeletedKeyAnswers404WithItsContext) {
  FakeStore store;
  run(store, req("PUT", "/buckets/b/keys/k", "v"));
  EXPECT_EQ(run(store, req("DELETE", "/buckets/b/keys/k")).response.status, 204u);
  EXPECT_TRUE(store.requests.back().supersede_known);
  Answer got = run(store, req("GET", "/buckets/b/keys/k"));
  EXPECT_EQ(got.response.status, 404u);
  EXPECT_FALSE(got.header("X-Ringkv-Context").empty());
}

TEST(HttpApi, QuorumParametersTakeNumbersAndWords) {
  FakeStore store;
  run(store, req("GET", "/buckets/b/keys/k?r=all&pr=one&timeout=250"));
  EXPECT_EQ(store.requests.back().r, 3u);
  EXPECT_EQ(store.requests.back().pr, 1u);
  EXPECT_EQ(store.requests.back().timeout_ms, 250u);
  run(store, req("PUT", "/buckets/b/keys/k?w=quorum&pw=2", "v"));
  EXPECT_EQ(store.requests.back().w, 2u);
  EXPECT_EQ(store.requests.back().pw, 2u);
  run(store, req("PUT", "/buckets/b/keys/k?w=default", "v"));
  EXPECT_EQ(store.requests.back().w, 0u);

  const std::size_t before = store.requests.size();
  Answer bad = run(store, req("GET", "/buckets/b/keys/k?r=most"));
  EXPECT_EQ(bad.response.status, 400u);
  EXPECT_NE(bad.response.body.find("r query parameter"), std::string::npos);
  EXPECT_EQ(run(store, req("GET", "/buckets/b/keys/k?r=0")).response.status, 400u);
  EXPECT_EQ(run(store, req("GET", "/buckets/b/keys/k?timeout=soon")).response.status, 400u);
  // A write parameter on a read is a mistake worth naming.
  Answer unknown = run(store, req("GET", "/buckets/b/keys/k?w=2"));
  EXPECT_EQ(unknown.response.status, 400u);
  EXPECT_NE(unknown.response.body.find("'w'"), std::string::npos);
  EXPECT_EQ(store.requests.size(), before);  // None of them reached the store.
}

TEST(HttpApi, LimitsAndBadContextsAreRefusedBeforeTheCore) {
  FakeStore store;
  Answer large = run(store, req("PUT", "/buckets/b/keys/k", std::string(65, 'x')));
  EXPECT_EQ(large.response.status, 413u);
  EXPECT_NE(large.response.body.find("value_max_bytes (64)"), std::string::npos);
  Answer context =
      run(store, req("PUT", "/buckets/b/keys/k", "v", {{"x-ringkv-context", "not base64!"}}));
  EXPECT_EQ(context.response.status, 400u);
  EXPECT_NE(context.response.body.find("X-Ringkv-Context"), std::string::npos);
  EXPECT_EQ(run(store, req("GET", "/buckets/b/keys/" + std::string(70000, 'k'))).response.status,
            413u);
  EXPECT_TRUE(store.requests.empty());
}

TEST(HttpApi, CoreFailuresMapToHttpStatuses) {
  FakeStore store;
  store.failures["slow"] = Status::unavailable("only 1 of 3 replicas answered (w=2)");
  Answer failed = run(store, req("PUT", "/buckets/b/keys/slow", "v"));
  EXPECT_EQ(failed.response.status, 503u);
  EXPECT_NE(failed.response.body.find("1 of 3 replicas"), std::string::npos);
  EXPECT_EQ(http_status_of(Status::invalid_argument("r=4 exceeds n=3")), 400u);
  EXPECT_EQ(http_status_of(Status::timeout("late")), 503u);
  EXPECT_EQ(http_status_of(Status::too_large("big")), 413u);
  EXPECT_EQ(http_status_of(Status::internal("bug")), 500u);
}

TEST(HttpApi, UnknownRoutesAndMethodsAreNamed) {
  FakeStore store;
  EXPECT_EQ(run(store, req("GET", "/nope")).response.status, 404u);
  Answer method = run(store, req("PATCH", "/buckets/b/keys/k"));
  EXPECT_EQ(method.response.status, 405u);
  EXPECT_EQ(method.header("Allow"), "GET, HEAD, PUT, POST, DELETE");
  EXPECT_EQ(run(store, req("GET", "relative")).response.status, 400u);
  EXPECT_EQ(run(store, req("GET", "/ping")).response.body, "OK\n");
  EXPECT_EQ(run(store, req("GET", "/stats")).response.body, "{\"gets\":1}");
  EXPECT_EQ(run(store, req("GET", "/cluster")).response.status, 404u);  // Not supplied.
}

TEST(HttpApi, KeyListingPagesWithAContinuationOrStreams) {
  FakeStore store;
  for (int i = 0; i < 25; ++i) run(store, req("PUT", "/buckets/b/keys/k" + std::to_string(i), "v"));
  run(store, req("PUT", "/buckets/other/keys/x", "v"));
  std::set<std::string> paged;
  std::string continuation;
  for (int page = 0; page < 10; ++page) {
    std::string target = "/buckets/b/keys?keys=true&max_results=10";
    if (!continuation.empty()) target += "&continuation=" + continuation;
    Answer answer = run(store, req("GET", target));
    ASSERT_EQ(answer.response.status, 200u) << answer.response.body;
    const Json body = Json::parse(answer.response.body);
    EXPECT_LE(body["keys"].size(), 10u);
    for (const auto& key : body["keys"]) paged.insert(key.get<std::string>());
    if (!body.contains("continuation")) break;
    continuation = body["continuation"].get<std::string>();
  }
  EXPECT_EQ(paged.size(), 25u);

  Answer streamed = run(store, req("GET", "/buckets/b/keys?keys=stream&max_results=7"));
  EXPECT_TRUE(streamed.streaming);
  EXPECT_EQ(streamed.response.status, 200u);
  std::set<std::string> keys;
  std::size_t chunks = 0;
  std::size_t at = 0;
  while (at < streamed.streamed.size()) {
    const std::size_t end = streamed.streamed.find('\n', at);
    const Json chunk = Json::parse(streamed.streamed.substr(at, end - at));
    for (const auto& key : chunk["keys"]) keys.insert(key.get<std::string>());
    ++chunks;
    at = end + 1;
  }
  EXPECT_EQ(keys, paged);
  EXPECT_GE(chunks, 4u);
  EXPECT_EQ(run(store, req("GET", "/buckets/b/keys")).response.status, 400u);
}

TEST(HttpApi, AStreamThatFailsMidwayEndsWithAnErrorObject) {
  FakeStore store;
  for (int i = 0; i < 30; ++i) run(store, req("PUT", "/buckets/b/keys/k" + std::to_string(i), "v"));
  store.scan_fails_after = 1;
  Answer streamed = run(store, req("GET", "/buckets/b/keys?keys=stream&max_results=10"));
  EXPECT_EQ(streamed.response.status, 200u);
  EXPECT_NE(streamed.streamed.find("{\"error\":"), std::string::npos);
  store.scans = 0;
  store.scan_fails_after = 0;
  EXPECT_EQ(run(store, req("GET", "/buckets/b/keys?keys=stream")).response.status, 503u);
}

TEST(HttpApi, DataTypesReadAndUpdateAsJson) {
  FakeStore store;
  const std::vector<std::pair<std::string, std::string>> json = {
      {"content-type", "application/json"}};
  EXPECT_EQ(run(store, req("POST", "/buckets/default/datatypes/c", R"({"increment": 5})", json))
                .response.status,
            204u);
  run(store, req("POST", "/buckets/default/datatypes/c", R"({"increment": -2})", json));
  EXPECT_EQ(Json::parse(run(store, req("GET", "/buckets/default/datatypes/c")).response.body),
            Json::parse(R"({"type": "counter", "value": 3})"));

  run(store, req("POST", "/buckets/default/datatypes/s", R"({"add": ["a", "b", "c"]})", json));
  run(store, req("POST", "/buckets/default/datatypes/s", R"({"remove": ["b"]})", json));
  EXPECT_EQ(Json::parse(run(store, req("GET", "/buckets/default/datatypes/s")).response.body),
            Json::parse(R"({"type": "set", "value": ["a", "c"]})"));

  run(store, req("POST", "/buckets/default/datatypes/h",
                 R"({"update": {"f": "x", "g": "y"}, "increment": {"n": 4}})", json));
  run(store, req("POST", "/buckets/default/datatypes/h", R"({"remove_fields": ["g"]})", json));
  EXPECT_EQ(Json::parse(run(store, req("GET", "/buckets/default/datatypes/h")).response.body),
            Json::parse(R"({"type": "hash", "value": {"f": "x", "n": "4"}})"));

  EXPECT_EQ(run(store, req("GET", "/buckets/default/datatypes/none")).response.status, 404u);
  Answer wrong =
      run(store, req("POST", "/buckets/default/datatypes/s", R"({"increment": 1})", json));
  EXPECT_EQ(wrong.response.status, 400u);
  EXPECT_NE(wrong.response.body.find("WRONGTYPE"), std::string::npos);
  EXPECT_EQ(
      run(store, req("POST", "/buckets/default/datatypes/s", R"({"add": ["a"]})")).response.status,
      415u);
  for (const std::string bad : {"[]", "{}", "nope", R"({"add": []})", R"({"add": [1]})",
                                R"({"frobnicate": 1})", R"({"increment": "1"})"}) {
    Answer refused = run(store, req("POST", "/buckets/default/datatypes/s", bad, json));
    EXPECT_EQ(refused.response.status, 400u) << bad;
  }
}

TEST(HttpApi, TheDashboardIsServedFromTheBinary) {
  FakeStore store;
  HttpHost host = test_host();
  host.asset = [](std::string_view path) { return dashboard_asset(path); };
  Answer page = run(store, req("GET", "/"), host);
  EXPECT_EQ(page.response.status, 200u);
  EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.response.body.find("<title>ringkv</title>"), std::string::npos);
  // Every file the page loads is there, and nothing from elsewhere.
  for (const std::string asset : {"/dashboard.js", "/dashboard.css"}) {
    EXPECT_NE(page.response.body.find("\"" + asset + "\""), std::string::npos) << asset;
    EXPECT_EQ(run(store, req("GET", asset), host).response.status, 200u) << asset;
  }
  EXPECT_EQ(page.response.body.find("http://"), std::string::npos);
  EXPECT_EQ(page.response.body.find("https://"), std::string::npos);
  EXPECT_EQ(run(store, req("GET", "/nope.js"), host).response.status, 404u);
  EXPECT_EQ(run(store, req("POST", "/"), host).response.status, 404u);
}

TEST(HttpApi, PercentDecodingIsStrict) {
  EXPECT_EQ(percent_decode("a%41%2f+"), std::optional<std::string>("aA/+"));
  EXPECT_EQ(percent_decode("%"), std::nullopt);
  EXPECT_EQ(percent_decode("%4"), std::nullopt);
  EXPECT_EQ(percent_decode("%-1"), std::nullopt);
  EXPECT_EQ(percent_decode("%g0"), std::nullopt);
}

}  // namespace
}  // namespace ringkv::api
