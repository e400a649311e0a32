// NodeId: the name of a node, unique in its cluster and fixed for the life of its data.
#pragma once

#include <string>

namespace ringkv::core {

using NodeId = std::string;

}  // namespace ringkv::core
