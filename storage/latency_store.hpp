// For benchmarks and tests only (config `storage: {debug_latency: 50ms}`): a Store that sleeps
// before every call and then does it on the real one, as a slow or distant database would.
#pragma once

#include <chrono>
#include <memory>

#include "storage/store.hpp"

namespace holdgate::storage {

std::unique_ptr<Store> with_latency(std::unique_ptr<Store> store, std::chrono::milliseconds latency);

}  // namespace holdgate::storage
