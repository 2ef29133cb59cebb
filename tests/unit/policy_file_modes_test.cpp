// Which permission bits holdgate accepts on its private keys and its state_dir (as sshd does).
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "policy/file_modes.hpp"

using holdgate::policy::private_key_mode_problem;
using holdgate::policy::state_dir_mode_problem;

TEST_CASE("private keys: group or others may not read them", "[file_modes]") {
  struct Row {
    unsigned mode;
    bool owned_by_us;
    bool refused;
  };
  const std::vector<Row> rows = {
      {0100600, true, false}, {0100400, true, false}, {0100700, true, false},
      {0100640, true, true},  {0100644, true, true},  {0100604, true, true},
      {0100660, true, true},  {0100610, true, true},  {0100601, true, true},
      {0100777, true, true},
      // Another user's key is theirs to protect (root may read a 0640 key of a service user).
      {0100644, false, false},
  };
  for (const auto& row : rows) {
    CAPTURE(row.mode, row.owned_by_us);
    CHECK(private_key_mode_problem("/k", row.mode, row.owned_by_us).has_value() == row.refused);
  }
  CHECK(private_key_mode_problem("/etc/holdgate/upstream_ed25519", 0100644, true) ==
        "permissions 0644 for '/etc/holdgate/upstream_ed25519' are too open: a private key must "
        "not be accessible by group or others (chmod 600 it)");
  CHECK(private_key_mode_problem("/k\x1b[2J", 0100640, true) ==
        "permissions 0640 for '/k\\x1b[2J' are too open: a private key must not be accessible by "
        "group or others (chmod 600 it)");
}

TEST_CASE("state_dir: 0700, nothing for group or others", "[file_modes]") {
  struct Row {
    unsigned mode;
    bool refused;
  };
  const std::vector<Row> rows = {
      {040700, false}, {040500, false}, {040750, true}, {040755, true},
      {040770, true},  {040701, true},  {040710, true}, {041777, true},
  };
  for (const auto& row : rows) {
    CAPTURE(row.mode);
    CHECK(state_dir_mode_problem("/var/lib/holdgate", row.mode).has_value() == row.refused);
  }
  CHECK(state_dir_mode_problem("/var/lib/holdgate", 040755) ==
        "permissions 0755 for state_dir '/var/lib/holdgate' are too open: it holds private keys "
        "and the request database, so it must not be accessible by group or others (chmod 700 it)");
}
