// The assets as string literals, so the binary serves them with nothing on disk.
#include "web/assets.hpp"

namespace holdgate::web {

std::string_view stylesheet() {
  return R"css(body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 48rem; padding: 1rem; }
)css";
}

std::string_view live_script() {
  return R"js("use strict";
)js";
}

}  // namespace holdgate::web
