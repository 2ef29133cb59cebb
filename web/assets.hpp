// The web page's static assets, compiled into the binary (no CDN, no external fonts or scripts):
// served at /static/app.css and /static/app.js with long-lived caching.
#pragma once

#include <string_view>

namespace holdgate::web {

std::string_view stylesheet();  // /static/app.css: readable on a phone and on a desktop
std::string_view live_script();  // /static/app.js: live updates over /events (SSE), nothing essential

}  // namespace holdgate::web
