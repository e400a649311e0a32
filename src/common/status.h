// Status and Result<T> for ringkv's own code: the public types (include/ringkv/status.h, which the
// client library installs) plus the helpers that stay internal.
#pragma once

#include "ringkv/status.h"

// Returns early from the enclosing function when `expr` (a Status) is not ok.
#define RINGKV_RETURN_IF_ERROR(expr)        \
  do {                                      \
    ::ringkv::Status _st = (expr);          \
    if (!_st.is_ok()) return _st;           \
  } while (0)
