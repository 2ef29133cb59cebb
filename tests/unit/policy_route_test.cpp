// parse_route: "LOGIN@TARGET" user names, one table row per case.
#include <catch2/catch.hpp>

#include <string>
#include <variant>
#include <vector>

#include "policy/route.hpp"

using holdgate::policy::parse_route;
using holdgate::policy::Route;
using holdgate::policy::RouteError;

namespace {

const std::string kExpected =
    "expected LOGIN@TARGET as the user name (e.g. ssh -p 2222 root@db-1@bastion)";

struct RouteRow {
  std::string input;
  bool ok;
  std::string login;    // when ok
  std::string target;   // when ok
  std::string message;  // when not ok: the exact error
};

RouteRow ok(std::string input, std::string login, std::string target) {
  return {std::move(input), true, std::move(login), std::move(target), ""};
}
RouteRow err(std::string input, std::string message) {
  return {std::move(input), false, "", "", std::move(message)};
}

const std::string a251(251, 'a');  // + "@db-1" = 256 bytes
const std::string a252(252, 'a');  // + "@db-1" = 257 bytes

const std::vector<RouteRow> route_rows = {
    // valid
    ok("root@db-1", "root", "db-1"),
    ok("ubuntu@web-1", "ubuntu", "web-1"),
    ok("a@b@db-1", "a@b", "db-1"),                      // split at the last '@'
    ok("@@db-1", "@", "db-1"),
    ok("a@@db-1", "a@", "db-1"),
    ok("r@d", "r", "d"),
    ok("svc.backup-1_x@db.example.com", "svc.backup-1_x", "db.example.com"),
    ok(a251 + "@db-1", a251, "db-1"),                    // exactly 256 bytes
    // no '@'
    err("xyz", kExpected + ", got 'xyz'"),
    err("", kExpected + ", got ''"),
    err("db-1", kExpected + ", got 'db-1'"),
    // empty parts
    err("@db-1", "the login before '@' in '@db-1' is empty; " + kExpected),
    err("root@", "the target after '@' in 'root@' is empty; " + kExpected),
    err("a@b@", "the target after '@' in 'a@b@' is empty; " + kExpected),
    err("@", "the login and the target in '@' are empty; " + kExpected),
    // control characters and whitespace, echoed escaped
    err("root@db-1\x1b[31m",
        "the user name 'root@db-1\\x1b[31m' contains a control character or whitespace; " +
            kExpected),
    err("root@db-1\n", "the user name 'root@db-1\\n' contains a control character or whitespace; " +
                           kExpected),
    err("root\t@db-1", "the user name 'root\\t@db-1' contains a control character or whitespace; " +
                           kExpected),
    err("ro ot@db-1", "the user name 'ro ot@db-1' contains a control character or whitespace; " +
                          kExpected),
    err("root@db-1 ", "the user name 'root@db-1 ' contains a control character or whitespace; " +
                          kExpected),
    err("root@db\x7f", "the user name 'root@db\\x7f' contains a control character or whitespace; " +
                           kExpected),
    err(std::string("root\0@db-1", 10),
        "the user name 'root\\x00@db-1' contains a control character or whitespace; " + kExpected),
    err("\x1b]0;pwned\x07", "the user name '\\x1b]0;pwned\\x07' contains a control character or "
                            "whitespace; " + kExpected),
    err("x\\y\x01", "the user name 'x\\\\y\\x01' contains a control character or whitespace; " +
                        kExpected),
    // non-ASCII (also covers C1 controls such as U+009B and Unicode spaces); printable UTF-8 is
    // echoed as is, C1 controls escaped
    err("root@d\xc3\xa9", "the user name 'root@d\xc3\xa9' contains a non-ASCII character; " +
                              kExpected),
    err("root@db\xc2\x9b" "31m", "the user name 'root@db\\xc2\\x9b31m' contains a non-ASCII "
                                 "character; " + kExpected),
    err("root\xc2\xa0@db-1", "the user name 'root\xc2\xa0@db-1' contains a non-ASCII character; " +
                                 kExpected),
    err("root@db\xff", "the user name 'root@db\\xff' contains a non-ASCII character; " +
                           kExpected),                // invalid UTF-8, escaped
    // too long: refused without echoing
    err(a252 + "@db-1", "the user name is 257 bytes long, at most 256 are allowed; " + kExpected),
    err(std::string(300, '\x1b'), "the user name is 300 bytes long, at most 256 are allowed; " +
                                      kExpected),
};

// No C0 control, DEL or UTF-8-encoded C1 control (U+0080..U+009F) in the text.
bool terminal_safe(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) return false;
    if (c == 0xc2 && i + 1 < text.size() && (static_cast<unsigned char>(text[i + 1]) & 0xe0) == 0x80)
      return false;
  }
  return true;
}

void check_row(const RouteRow& row, const std::variant<Route, RouteError>& result) {
  if (row.ok) {
    REQUIRE(std::holds_alternative<Route>(result));
    CHECK(std::get<Route>(result).login == row.login);
    CHECK(std::get<Route>(result).target == row.target);
  } else {
    REQUIRE(std::holds_alternative<RouteError>(result));
    const std::string& message = std::get<RouteError>(result).message;
    CHECK(message == row.message);
    CHECK(terminal_safe(message));
  }
}

}  // namespace

TEST_CASE("parse_route table", "[policy]") {
  const RouteRow row = GENERATE(from_range(route_rows));
  CAPTURE(row.input);
  check_row(row, parse_route(row.input));
}

namespace {

const std::string kExpectedLogin =
    "expected the login on the target as the user name (e.g. ssh -J bastion root@db-1)";

// The inner connection of a ProxyJump: the user name is the login alone, checked like any.
const std::vector<RouteRow> jump_rows = {
    ok("root", "root", "db-1"),
    ok("a@b", "a@b", "db-1"),
    ok(std::string(256, 'a'), std::string(256, 'a'), "db-1"),
    err("", "the user name is empty; " + kExpectedLogin),
    err(std::string(257, 'a'), "the user name is 257 bytes long, at most 256 are allowed; " +
                                   kExpectedLogin),
    err("ro ot", "the user name 'ro ot' contains a control character or whitespace; " +
                     kExpectedLogin),
    err("root\x1b[2J", "the user name 'root\\x1b[2J' contains a control character or "
                       "whitespace; " + kExpectedLogin),
    err("r\xc3\xb6\xc3\xb6t", "the user name 'r\xc3\xb6\xc3\xb6t' contains a non-ASCII character; " +
                                kExpectedLogin),
    err("root\xe2\x80\xae", "the user name 'root\\u{202e}' contains a non-ASCII character; " +
                             kExpectedLogin),
};

}  // namespace

TEST_CASE("jump_route table", "[policy]") {
  const RouteRow row = GENERATE(from_range(jump_rows));
  CAPTURE(row.input);
  check_row(row, holdgate::policy::jump_route(row.input, "db-1"));
}
