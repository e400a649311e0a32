// The one header through which ringkv includes Boost.Asio. Boost 1.74's asio/awaitable.hpp uses
// std::exchange without including <utility>; with g++ 12 in C++20 mode it must come first.
#pragma once

// clang-format off
#include <utility>
#include <boost/asio.hpp>
// clang-format on

namespace ringkv {
namespace asio = boost::asio;
}  // namespace ringkv
