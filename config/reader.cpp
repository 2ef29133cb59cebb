#include "config/reader.hpp"

#include <algorithm>
#include <charconv>

#include "config/address.hpp"
#include "config/spelling.hpp"

namespace holdgate::config::detail {

void ErrorSink::add(const YAML::Mark& mark, std::string message) {
  // yaml-cpp counts from 0 and uses -1 for "no position"; ConfigError counts from 1 and uses 0.
  bool placed = !mark.is_null() && mark.line >= 0;
  errors_.push_back(
      {file_, placed ? mark.line + 1 : 0, placed ? mark.column + 1 : 0, std::move(message)});
}

std::vector<ConfigError> ErrorSink::sorted() const {
  auto errors = errors_;
  std::stable_sort(errors.begin(), errors.end(), [](const ConfigError& a, const ConfigError& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  return errors;
}

Context Context::key(std::string_view name) const {
  Context child = *this;
  child.path_ = path_.empty() ? std::string(name) : path_ + "." + std::string(name);
  return child;
}

Context Context::index(std::size_t i) const {
  Context child = *this;
  child.path_ = path_ + "[" + std::to_string(i) + "]";
  return child;
}

void Context::error(const YAML::Mark& mark, std::string_view message) const {
  sink_->add(mark, path_.empty() ? std::string(message) : path_ + ": " + std::string(message));
}

std::string describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Scalar: return "'" + node.Scalar() + "'";
    default: return "nothing";
  }
}

namespace {

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

// Entries for the rest of the readers: an empty value is blamed on its key.
Entry child_entry(const Context& ctx, const YAML::Node& node, const YAML::Mark& fallback) {
  bool blame_fallback = node.IsNull() || node.Mark().is_null();
  return Entry{ctx, node, blame_fallback ? fallback : node.Mark()};
}

}  // namespace

std::string closest(std::string_view word, const std::vector<std::string>& candidates) {
  return closest_word(word, std::vector<std::string_view>(candidates.begin(), candidates.end()));
}

std::vector<MapEntry> read_map(const Entry& map) {
  std::vector<MapEntry> entries;
  if (map.node.IsNull()) return entries;
  if (!map.node.IsMap()) {
    map.error("expected a mapping, found " + describe(map.node));
    return entries;
  }
  for (auto it : map.node) {
    if (!it.first.IsScalar()) {
      map.ctx.error(it.first.Mark(), "keys must be plain words, found " + describe(it.first));
      continue;
    }
    const std::string& key = it.first.Scalar();
    // yaml-cpp keeps both copies of a repeated key; which one wins would be an accident.
    auto first =
        std::find_if(entries.begin(), entries.end(), [&](auto& e) { return e.key == key; });
    if (first != entries.end()) {
      map.ctx.error(it.first.Mark(), "duplicate key '" + key + "' (first at line " +
                                         std::to_string(first->key_mark.line + 1) + ")");
      continue;
    }
    entries.push_back(
        {key, it.first.Mark(), child_entry(map.ctx.key(key), it.second, it.first.Mark())});
  }
  return entries;
}

Fields::Fields(const Entry& map, std::vector<std::string> known)
    : map_(map), is_map_(map.node.IsMap() || map.node.IsNull()) {
  for (auto& entry : read_map(map)) {
    if (std::find(known.begin(), known.end(), entry.key) != known.end()) {
      entries_.push_back(std::move(entry));
      continue;
    }
    std::string what = map.ctx.path().empty()
                           ? "unknown top-level key '" + entry.key + "'"
                           : "unknown key '" + entry.key + "' in " + map.ctx.path();
    auto suggestion = closest(entry.key, known);
    std::string hint = suggestion.empty() ? " (expected one of: " + join(known) + ")"
                                          : " (did you mean '" + suggestion + "'?)";
    map.ctx.sink().add(entry.key_mark, what + hint);
    if (!suggestion.empty()) suggested_.push_back(suggestion);
  }
}

std::optional<Entry> Fields::get(std::string_view key) const {
  for (const auto& entry : entries_) {
    if (entry.key == key) return entry.value;
  }
  return std::nullopt;
}

std::optional<Entry> Fields::require(std::string_view key) const {
  auto entry = get(key);
  // Already reported: a value that is not a mapping at all, or a misspelling of this key.
  bool reported =
      !is_map_ || std::find(suggested_.begin(), suggested_.end(), key) != suggested_.end();
  if (!entry && !reported) map_.error("missing required key '" + std::string(key) + "'");
  return entry;
}

std::vector<Entry> read_list(const Entry& list) {
  std::vector<Entry> items;
  if (list.node.IsNull()) return items;
  if (!list.node.IsSequence()) {
    list.error("expected a list, found " + describe(list.node));
    return items;
  }
  for (std::size_t i = 0; i < list.node.size(); ++i) {
    items.push_back(child_entry(list.ctx.index(i), list.node[i], list.mark));
  }
  return items;
}

std::optional<std::string> read_string(const Entry& e) {
  if (e.node.IsNull()) {
    e.error("missing value");
    return std::nullopt;
  }
  if (!e.node.IsScalar()) {
    e.error("expected a single value, found " + describe(e.node));
    return std::nullopt;
  }
  if (e.node.Scalar().empty()) {
    e.error("must not be empty");
    return std::nullopt;
  }
  return e.node.Scalar();
}

std::vector<std::string> read_strings(const Entry& e) {
  std::vector<std::string> strings;
  for (const auto& item : read_list(e)) {
    if (auto s = read_string(item)) strings.push_back(*s);
  }
  return strings;
}

std::optional<int> read_int(const Entry& e, int min) {
  auto text = read_string(e);
  if (!text) return std::nullopt;
  int value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc{} || end != text->data() + text->size()) {
    e.error("'" + *text + "' is not a whole number");
    return std::nullopt;
  }
  if (value < min) {
    e.error("must be at least " + std::to_string(min) + ", not " + *text);
    return std::nullopt;
  }
  return value;
}

std::optional<bool> read_bool(const Entry& e) {
  auto text = read_string(e);
  if (!text) return std::nullopt;
  // Only the two spellings, not YAML 1.1's yes/no/on/off: a switch that widens access must not
  // be set by a word that reads like something else.
  if (*text == "true") return true;
  if (*text == "false") return false;
  e.error("must be true or false, not '" + *text + "'");
  return std::nullopt;
}

std::optional<Duration> read_duration(const Entry& e, bool allow_zero) {
  auto text = read_string(e);
  if (!text) return std::nullopt;
  auto duration = parse_duration(*text);
  if (!duration) {
    e.error("'" + *text + "' is not a duration; write a whole number and a unit (s, m, h or d), " +
            "e.g. 30s or 8h");
    return std::nullopt;
  }
  if (!allow_zero && duration->count() == 0) {
    e.error("must be longer than 0s");
    return std::nullopt;
  }
  return duration;
}

std::optional<Rate> read_rate(const Entry& e) {
  auto text = read_string(e);
  if (!text) return std::nullopt;
  auto slash = text->find('/');
  std::string_view count_text = std::string_view(*text).substr(0, slash);
  Rate rate;
  auto [end, ec] = std::from_chars(count_text.data(), count_text.data() + count_text.size(),
                                   rate.count);
  std::optional<Duration> per;
  if (slash != std::string::npos) per = parse_duration(std::string_view(*text).substr(slash + 1));
  if (ec != std::errc{} || end != count_text.data() + count_text.size() || !per) {
    e.error("'" + *text + "' is not a rate; write a whole number, '/' and a duration, " +
            "e.g. 20/1h");
    return std::nullopt;
  }
  if (rate.count < 1 || per->count() == 0) {
    e.error("must allow at least 1 per a duration longer than 0s, not " + *text);
    return std::nullopt;
  }
  rate.per = *per;
  return rate;
}

std::optional<Address> read_address(const Entry& e, std::uint16_t default_port) {
  auto text = read_string(e);
  if (!text) return std::nullopt;
  auto parsed = parse_address_checked(*text, default_port);
  if (!parsed.address) e.error("invalid address '" + *text + "': " + parsed.problem);
  return parsed.address;
}

std::optional<std::filesystem::path> read_path(const Entry& e) {
  auto text = read_string(e);
  if (!text) return std::nullopt;
  return (e.ctx.base_dir() / *text).lexically_normal();
}

Labels read_labels(const Entry& e) {
  Labels labels;
  for (const auto& entry : read_map(e)) {
    if (entry.key.empty()) {
      e.ctx.error(entry.key_mark, "label names must not be empty");
      continue;
    }
    if (auto value = read_string(entry.value)) labels.emplace(entry.key, *value);
  }
  return labels;
}

}  // namespace holdgate::config::detail
