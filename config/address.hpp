// Internal: address parsing that says what is wrong, for error messages. parse_address() is the
// public yes/no form of the same.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace holdgate::config::detail {

struct AddressParse {
  std::optional<Address> address;
  std::string problem;  // set when address is not
};

AddressParse parse_address_checked(std::string_view text, std::uint16_t default_port);

}  // namespace holdgate::config::detail
