#include "limits/source.hpp"

#include <algorithm>

namespace holdgate::limits {
namespace {

int prefix_of(const config::IpAddress& address, const config::Limits& limits) {
  return address.v6 ? limits.per_source_prefix_v6 : limits.per_source_prefix_v4;
}

}  // namespace

config::IpAddress canonical(const config::IpAddress& address) {
  static constexpr std::uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (!address.v6 || !std::equal(std::begin(mapped_prefix), std::end(mapped_prefix),
                                 address.bytes.begin())) {
    return address;
  }
  config::IpAddress v4;
  std::copy(address.bytes.begin() + 12, address.bytes.end(), v4.bytes.begin());
  return v4;
}

config::IpAddress source_block(const config::IpAddress& address, const config::Limits& limits) {
  auto plain = canonical(address);
  return config::masked(plain, prefix_of(plain, limits));
}

std::string block_text(const config::IpAddress& block, const config::Limits& limits) {
  int prefix = prefix_of(block, limits);
  std::string text = config::to_string(block);
  return prefix == (block.v6 ? 128 : 32) ? text : text + "/" + std::to_string(prefix);
}

bool contains(const config::Network& network, const config::IpAddress& address) {
  auto plain = canonical(address);
  return plain.v6 == network.address.v6 && config::masked(plain, network.prefix) == network.address;
}

}  // namespace holdgate::limits
