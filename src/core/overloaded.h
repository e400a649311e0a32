// Overloaded: a visitor made of lambdas, for std::visit over the core's variants (peer messages,
// persist purposes). Visiting instead of a chain of get_if makes a new alternative a compile error
// until every dispatch handles it.
#pragma once

namespace ringkv::core {

template <class... Handlers>
struct Overloaded : Handlers... {
  using Handlers::operator()...;
};
template <class... Handlers>
Overloaded(Handlers...) -> Overloaded<Handlers...>;

}  // namespace ringkv::core
