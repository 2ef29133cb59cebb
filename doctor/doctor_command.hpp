// `holdgate doctor` and `holdgate check-config`: the config and everything serve would refuse
// at start-up (doctor: and what would fail later, --connect: each target for real), one line
// per check. Neither creates a key, a directory or a database, nor migrates one.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>

#include "config/config.hpp"

namespace holdgate::doctor {

struct DoctorOptions {
  std::filesystem::path config;
  bool connect = false;  // dial every target
  bool json = false;     // one JSON object per line instead of "ok   ..." / "FAIL ..."
};

// Prints one line per check on `out`; 0 when every check passed, else 1.
int run_doctor(const DoctorOptions& options, std::ostream& out);

// check-config after the file loaded: the start-up checks; "FILE: ok" on `out`, or one
// "holdgate: PROBLEM; FIX" line per failure on `err` and 1.
int run_check_config(const std::filesystem::path& file, const config::Config& config,
                     std::ostream& out, std::ostream& err);

}  // namespace holdgate::doctor
