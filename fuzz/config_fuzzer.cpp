// The YAML config loader (config/load.hpp parse_config, the same code load_config runs on a
// file's text): whatever the text, it gives a Config or errors, never both or neither, and
// nothing escapes as an exception (the readers check types before converting).
#include "config/load.hpp"
#include "fuzz_check.hpp"

namespace {

using holdgate::fuzz::as_text;
namespace config = holdgate::config;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A path that does not exist: the loader must not need the file system to read text.
  const auto result = config::parse_config(as_text(data, size), "/nonexistent/holdgate-fuzz/holdgate.yaml");
  FUZZ_CHECK(result.config.has_value() == result.errors.empty());
  for (const auto& error : result.errors) {
    FUZZ_CHECK(!error.message.empty());
    FUZZ_CHECK(error.line >= 0 && error.column >= 0);
    FUZZ_CHECK(!error.to_string().empty());
  }
  return 0;
}
