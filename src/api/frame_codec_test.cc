#include "api/frame_codec.h"

#include <gtest/gtest.h>

namespace ringkv::api {
namespace {

TEST(FrameDecoder, ReassemblesFramesSplitAcrossReads) {
  std::string stream;
  append_frame(stream, "hello");
  append_frame(stream, "");
  append_frame(stream, std::string(100'000, 'x'));
  FrameDecoder decoder(1 << 20);
  std::vector<std::string> frames;
  for (char byte : stream) {
    decoder.feed(std::string_view(&byte, 1));
    auto frame = decoder.next();
    ASSERT_TRUE(frame.is_ok());
    if (frame->has_value()) frames.push_back(**frame);
  }
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0], "hello");
  EXPECT_EQ(frames[1], "");
  EXPECT_EQ(frames[2].size(), 100'000u);
  EXPECT_EQ(decoder.buffered_bytes(), 0u);
}

TEST(FrameDecoder, RejectsAFrameLargerThanTheLimitBeforeReadingIt) {
  FrameDecoder decoder(1000);
  decoder.feed(std::string("\x00\x00\x03\xe9", 4));  // 1001 bytes announced.
  auto frame = decoder.next();
  ASSERT_FALSE(frame.is_ok());
  EXPECT_EQ(frame.status().code(), StatusCode::kTooLarge);
  EXPECT_NE(frame.status().message().find("1001"), std::string::npos);
  EXPECT_NE(frame.status().message().find("1000"), std::string::npos);
}

TEST(FrameDecoder, WaitsForTheRestOfAFrame) {
  FrameDecoder decoder(1000);
  decoder.feed(std::string("\x00\x00\x00\x05hel", 7));
  auto frame = decoder.next();
  ASSERT_TRUE(frame.is_ok());
  EXPECT_FALSE(frame->has_value());
  decoder.feed("lo");
  frame = decoder.next();
  ASSERT_TRUE(frame.is_ok() && frame->has_value());
  EXPECT_EQ(**frame, "hello");
}

}  // namespace
}  // namespace ringkv::api
