// Internal to the loader: the error sink, the key-path context, and typed readers for YAML nodes.
// Readers report problems and return nullopt/empty instead of throwing, so one pass over the file
// finds every error.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/load.hpp"

namespace holdgate::config::detail {

class ErrorSink {
 public:
  explicit ErrorSink(std::string file) : file_(std::move(file)) {}

  void add(const YAML::Mark& mark, std::string message);
  bool empty() const { return errors_.empty(); }

  // Sections are read in file order but references are checked at the end, hence the sort.
  std::vector<ConfigError> sorted() const;

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
};

// The key path of the node being read ("roles[0].request.ttl") and where its errors go.
class Context {
 public:
  Context(ErrorSink& sink, const std::filesystem::path& base_dir)
      : sink_(&sink), base_dir_(&base_dir) {}

  Context key(std::string_view name) const;
  Context index(std::size_t i) const;

  const std::string& path() const { return path_; }
  const std::filesystem::path& base_dir() const { return *base_dir_; }
  ErrorSink& sink() const { return *sink_; }

  // "<path>: <message>", or just the message at the top level.
  void error(const YAML::Mark& mark, std::string_view message) const;

 private:
  ErrorSink* sink_;
  const std::filesystem::path* base_dir_;
  std::string path_;
};

// A node with its path and the position to blame. An empty value (`key:`) has the mark of the
// next token, often on another line, so for those the mark is the key's.
struct Entry {
  Context ctx;
  YAML::Node node;
  YAML::Mark mark;

  void error(std::string_view message) const { ctx.error(mark, message); }
};

// "a list", "a mapping", ... for "expected X, found Y" messages.
std::string describe(const YAML::Node& node);

// The candidate within edit distance 2 of `word`, closest first; empty when none is.
std::string closest(std::string_view word, const std::vector<std::string>& candidates);

struct MapEntry {
  std::string key;
  YAML::Mark key_mark;
  Entry value;
};

// A mapping's entries in file order. Reports a non-mapping and repeated keys (keeping the first);
// an empty value counts as an empty mapping.
std::vector<MapEntry> read_map(const Entry& map);

// A mapping with a fixed set of keys; unknown keys are reported when it is built.
class Fields {
 public:
  Fields(const Entry& map, std::vector<std::string> known);

  std::optional<Entry> get(std::string_view key) const;
  // Reports "missing required key" at the mapping when absent.
  std::optional<Entry> require(std::string_view key) const;

 private:
  Entry map_;
  bool is_map_;
  std::vector<MapEntry> entries_;
  std::vector<std::string> suggested_;  // keys offered in a "did you mean" hint
};

// An empty value counts as an empty list.
std::vector<Entry> read_list(const Entry& list);

std::optional<std::string> read_string(const Entry& e);  // a non-empty scalar
std::vector<std::string> read_strings(const Entry& e);   // a list of non-empty scalars
std::optional<int> read_int(const Entry& e, int min);
std::optional<bool> read_bool(const Entry& e);  // exactly true or false
std::optional<Duration> read_duration(const Entry& e, bool allow_zero);
std::optional<Rate> read_rate(const Entry& e);  // "20/1h": a count of at least 1 per a duration
std::optional<Address> read_address(const Entry& e, std::uint16_t default_port);
// Relative paths resolve against the config file's directory.
std::optional<std::filesystem::path> read_path(const Entry& e);
Labels read_labels(const Entry& e);  // a mapping of scalars

}  // namespace holdgate::config::detail
