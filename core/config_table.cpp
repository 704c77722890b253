#include "core/config_table.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "core/input_file.hpp"

namespace sgds {

namespace {

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{}", v);
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0u : 1u)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

const char* type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date/time";
  }
}

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

// Every key of `table`, recursively, as inherited from `origin` (for messages).
void mark_inherited(const toml::node& node, const std::string& path, const std::string& origin,
                    std::map<std::string, std::string>& origins) {
  origins[path] = origin;
  if (const toml::table* t = node.as_table())
    for (const auto& [key, child] : *t)
      mark_inherited(child, path + "." + std::string(key.str()), origin + "." + std::string(key.str()), origins);
}

// Deep merge: keys of `defaults` the element lacks are copied; where both hold a table the
// merge recurses; everywhere else the element's own value wins.
void merge_defaults(toml::table& element, const toml::table& defaults, const std::string& path,
                    const std::string& origin, std::map<std::string, std::string>& origins) {
  for (const auto& [key, value] : defaults) {
    const std::string name(key.str());
    toml::node* own = element.get(name);
    if (!own) {
      element.insert(name, value);
      mark_inherited(value, path + "." + name, origin + "." + name, origins);
    } else if (own->is_table() && value.is_table()) {
      merge_defaults(*own->as_table(), *value.as_table(), path + "." + name, origin + "." + name, origins);
    }
  }
}

}  // namespace

bool NumberRange::contains(double v) const {
  if (!std::isfinite(v)) return false;
  if (low_open ? !(v > low) : !(v >= low)) return false;
  if (high_open ? !(v < high) : !(v <= high)) return false;
  return true;
}

std::string NumberRange::describe() const {
  const bool has_low = std::isfinite(low), has_high = std::isfinite(high);
  if (!has_low && !has_high) return "a finite number";
  if (has_low && !has_high) return fmt::format("a finite number {} {}", low_open ? ">" : ">=", format_number(low));
  if (!has_low) return fmt::format("a number {} {}", high_open ? "<" : "<=", format_number(high));
  return fmt::format("a number in {}{}, {}{}", low_open ? "(" : "[", format_number(low), format_number(high),
                     high_open ? ")" : "]");
}

std::string describe_value(const toml::node& node) {
  if (auto v = node.as_string()) return fmt::format("\"{}\"", v->get());
  if (auto v = node.as_integer()) return fmt::format("{}", v->get());
  if (auto v = node.as_floating_point()) return format_number(v->get());
  if (auto v = node.as_boolean()) return v->get() ? "true" : "false";
  std::ostringstream out;
  if (auto v = node.as_array()) out << *v;
  else if (auto t = node.as_table()) out << "{" << *t << "}";
  else out << "?";
  std::string text = one_line(out.str());
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

std::string did_you_mean(const std::string& word, const std::set<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& candidate : candidates) {
    const std::size_t d = edit_distance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

ConfigTable::ConfigTable(const toml::table& table, std::string path, std::shared_ptr<ParameterMap> parameters,
                         std::string parameter_prefix)
    : table_(&table), path_(std::move(path)), parameters_(std::move(parameters)), prefix_(std::move(parameter_prefix)) {
}

std::string ConfigTable::key_path(const std::string& key) const { return path_.empty() ? key : path_ + "." + key; }

std::string ConfigTable::described_key(const std::string& key) const {
  const std::string path = key_path(key);
  if (inherited_)
    if (const auto it = inherited_->find(path); it != inherited_->end())
      return fmt::format("'{}' (inherited by '{}')", it->second, path);
  return "'" + path + "'";
}

void ConfigTable::fail(const std::string& key, const std::string& value, const std::string& allowed) const {
  throw ConfigError(fmt::format("config: key {} = {}: expected {}", described_key(key), value, allowed));
}

bool ConfigTable::has(const std::string& key) const { return table_->contains(key); }

bool ConfigTable::is_array(const std::string& key) const {
  const toml::node* node = table_->get(key);
  return node && node->is_array();
}

const toml::node* ConfigTable::lookup(const std::string& key) {
  known_.insert(key);
  return table_->get(key);
}

void ConfigTable::record(const std::string& key, ParameterValue value) {
  if (parameters_) (*parameters_)[prefix_.empty() ? key : prefix_ + "." + key] = std::move(value);
}

double ConfigTable::number(const std::string& key, NumberRange range, std::optional<double> fallback) {
  const toml::node* node = lookup(key);
  double v;
  if (!node) {
    if (!fallback) fail(key, "(missing)", range.describe());
    v = *fallback;
  } else if (auto i = node->as_integer()) {
    v = static_cast<double>(i->get());
  } else if (auto f = node->as_floating_point()) {
    v = f->get();
  } else {
    fail(key, describe_value(*node), fmt::format("{}, got {}", range.describe(), type_name(*node)));
  }
  if (!range.contains(v)) fail(key, format_number(v), range.describe());
  record(key, v);
  return v;
}

std::int64_t ConfigTable::integer(const std::string& key, std::int64_t low, std::int64_t high,
                                  std::optional<std::int64_t> fallback) {
  const toml::node* node = lookup(key);
  const std::string allowed = fmt::format("an integer in [{}, {}]", low, high);
  std::int64_t v;
  if (!node) {
    if (!fallback) fail(key, "(missing)", allowed);
    v = *fallback;
  } else if (auto i = node->as_integer()) {
    v = i->get();
  } else {
    fail(key, describe_value(*node), fmt::format("{}, got {}", allowed, type_name(*node)));
  }
  if (v < low || v > high) fail(key, std::to_string(v), allowed);
  record(key, v);
  return v;
}

bool ConfigTable::boolean(const std::string& key, std::optional<bool> fallback) {
  const toml::node* node = lookup(key);
  bool v;
  if (!node) {
    if (!fallback) fail(key, "(missing)", "true or false");
    v = *fallback;
  } else if (auto b = node->as_boolean()) {
    v = b->get();
  } else {
    fail(key, describe_value(*node), fmt::format("true or false, got {}", type_name(*node)));
  }
  record(key, v);
  return v;
}

std::string ConfigTable::text(const std::string& key, std::optional<std::string> fallback) {
  const toml::node* node = lookup(key);
  std::string v;
  if (!node) {
    if (!fallback) fail(key, "(missing)", "a string");
    v = *fallback;
  } else if (auto s = node->as_string()) {
    v = s->get();
  } else {
    fail(key, describe_value(*node), fmt::format("a string, got {}", type_name(*node)));
  }
  record(key, v);
  return v;
}

std::string ConfigTable::choice(const std::string& key, const std::vector<std::string>& allowed,
                                std::optional<std::string> fallback) {
  std::string options;
  for (const auto& a : allowed) options += (options.empty() ? "" : ", ") + a;
  const toml::node* node = lookup(key);
  std::string v;
  if (!node) {
    if (!fallback) fail(key, "(missing)", "one of: " + options);
    v = *fallback;
  } else if (auto s = node->as_string()) {
    v = s->get();
  } else {
    fail(key, describe_value(*node), fmt::format("one of: {} (a string), got {}", options, type_name(*node)));
  }
  if (std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
    const std::string guess = did_you_mean(v, std::set<std::string>(allowed.begin(), allowed.end()));
    fail(key, "\"" + v + "\"",
         "one of: " + options + (guess.empty() ? std::string() : " (did you mean \"" + guess + "\"?)"));
  }
  record(key, v);
  return v;
}

std::vector<double> ConfigTable::numbers(const std::string& key, NumberRange range, std::size_t min_count,
                                         std::optional<std::vector<double>> fallback) {
  const toml::node* node = lookup(key);
  const std::string allowed = fmt::format("an array of at least {} numbers, each {}", min_count, range.describe());
  std::vector<double> values;
  if (!node) {
    if (!fallback) fail(key, "(missing)", allowed);
    values = *fallback;
  } else if (auto array = node->as_array()) {
    for (const auto& element : *array) {
      if (auto i = element.as_integer()) values.push_back(static_cast<double>(i->get()));
      else if (auto f = element.as_floating_point()) values.push_back(f->get());
      else fail(key, describe_value(*node), allowed);
    }
  } else {
    fail(key, describe_value(*node), allowed);
  }
  if (values.size() < min_count) fail(key, node ? describe_value(*node) : "[]", allowed);
  for (double v : values)
    if (!range.contains(v)) fail(key, node ? describe_value(*node) : format_number(v), allowed);
  record(key, values);
  return values;
}

ConfigTable ConfigTable::table(const std::string& key, bool required) {
  const toml::node* node = lookup(key);
  if (!node) {
    if (required) fail(key, "(missing)", "a table");
    owned_empty_.push_back(std::make_unique<toml::table>());
    ConfigTable empty(*owned_empty_.back(), key_path(key), parameters_, prefix_.empty() ? key : prefix_ + "." + key);
    empty.inherited_ = inherited_;
    return empty;
  }
  const toml::table* sub = node->as_table();
  if (!sub) fail(key, describe_value(*node), fmt::format("a table, got {}", type_name(*node)));
  ConfigTable child(*sub, key_path(key), parameters_, prefix_.empty() ? key : prefix_ + "." + key);
  child.inherited_ = inherited_;
  return child;
}

std::vector<ConfigTable> ConfigTable::tables(const std::string& key) {
  const toml::node* node = lookup(key);
  if (!node) fail(key, "(missing)", "an array of tables ([[" + key + "]])");
  const toml::array* array = node->as_array();
  if (!array || array->empty() || !array->is_array_of_tables())
    fail(key, describe_value(*node), "a non-empty array of tables ([[" + key + "]])");
  // [defaults] applies to the root's array of tables only.
  const toml::table* defaults = nullptr;
  if (path_.empty() && table_->contains("defaults")) {
    const toml::node* node_defaults = lookup("defaults");
    defaults = node_defaults->as_table();
    if (!defaults)
      fail("defaults", describe_value(*node_defaults),
           fmt::format("a table of keys every [[{}]] inherits, got {}", key, type_name(*node_defaults)));
  }
  std::vector<ConfigTable> out;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string element_path = fmt::format("{}[{}]", key_path(key), i);
    const toml::table& own = *array->get(i)->as_table();
    if (!defaults) {
      out.emplace_back(own, element_path, nullptr, "");
      continue;
    }
    auto origins = std::make_shared<std::map<std::string, std::string>>();
    owned_merged_.push_back(std::make_unique<toml::table>(own));
    merge_defaults(*owned_merged_.back(), *defaults, element_path, "defaults", *origins);
    out.emplace_back(*owned_merged_.back(), element_path, nullptr, "");
    out.back().inherited_ = std::move(origins);
  }
  return out;
}

void ConfigTable::finish() const {
  for (const auto& [key, node] : *table_) {
    const std::string name(key.str());
    if (known_.count(name)) continue;
    const std::string guess = did_you_mean(name, known_);
    std::string allowed = "a known key";
    if (!guess.empty()) allowed += " (did you mean '" + guess + "'?)";
    else if (!known_.empty()) {
      std::string list;
      for (const auto& k : known_) list += (list.empty() ? "" : ", ") + k;
      allowed += " here: " + list;
    }
    throw ConfigError(
        fmt::format("config: unknown key {} = {}: expected {}", described_key(name), describe_value(node), allowed));
  }
}

namespace {

toml::table parse_or_throw(std::string_view text, const std::string& source_name) {
  try {
    return toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    throw ConfigError(fmt::format("config: {}:{}:{}: {}", source_name, e.source().begin.line, e.source().begin.column,
                                  one_line(std::string(e.description()))));
  }
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : path) {
    if (c == '.') {
      parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  parts.push_back(current);
  return parts;
}

bool is_index(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void assign_at(toml::node& node, const std::vector<std::string>& parts, std::size_t i, const toml::node& value,
               const std::string& assignment) {
  const std::string& part = parts[i];
  const bool last = i + 1 == parts.size();
  if (auto array = node.as_array()) {
    std::vector<std::size_t> targets;
    if (part == "*") {
      for (std::size_t k = 0; k < array->size(); ++k) targets.push_back(k);
    } else if (is_index(part)) {
      const std::size_t k = part.size() > 9 ? array->size() : std::stoul(part);  // 10+ digits: past any end
      if (k >= array->size())
        throw ConfigError(fmt::format("--set '{}': index {} is past the end (the array has {} elements)", assignment,
                                      part, array->size()));
      targets.push_back(k);
    } else {
      throw ConfigError(fmt::format("--set '{}': '{}' indexes an array: expected an integer or *", assignment, part));
    }
    for (std::size_t k : targets) {
      if (last) array->replace(array->begin() + static_cast<std::ptrdiff_t>(k), value);
      else assign_at(*array->get(k), parts, i + 1, value, assignment);
    }
    return;
  }
  auto table = node.as_table();
  if (!table) throw ConfigError(fmt::format("--set '{}': '{}' is not inside a table or array", assignment, part));
  if (part.empty()) throw ConfigError(fmt::format("--set '{}': empty key in path", assignment));
  if (last) {
    table->insert_or_assign(part, value);
    return;
  }
  if (!table->contains(part)) table->insert(part, toml::table{});
  assign_at(*table->get(part), parts, i + 1, value, assignment);
}

}  // namespace

void apply_override(toml::table& document, const std::string& assignment) {
  const auto eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0)
    throw ConfigError(fmt::format("--set '{}': expected key.path=value", assignment));
  const std::string path = assignment.substr(0, eq);
  const std::string value_text = assignment.substr(eq + 1);
  const std::vector<std::string> parts = split_path(path);
  for (const auto& part : parts)
    if (part.empty())
      throw ConfigError(
          fmt::format("--set '{}': the key path '{}' has an empty part: expected names joined by '.' "
                      "(e.g. experiment.0.schedule.eta)",
                      assignment, path));
  toml::table parsed;
  try {
    parsed = toml::parse("value = " + value_text);
  } catch (const toml::parse_error&) {
    // A bare word is taken as a string, so `--set schedule.kind=constant` works without quotes.
    toml::table as_string;
    as_string.insert("value", value_text);
    parsed = std::move(as_string);
  }
  assign_at(document, parts, 0, *parsed.get("value"), assignment);
}

toml::table parse_config_file(const std::string& filename) {
  try {
    require_regular_file(filename, "config", kMaxConfigBytes);  // no FIFO, device or folder; a sane size
  } catch (const PathError& e) {
    throw ConfigError(e.what());
  }
  std::ifstream in(filename, std::ios::binary);
  if (!in) throw ConfigError(fmt::format("config: cannot read file '{}'", filename));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return parse_or_throw(buffer.str(), filename);
}

toml::table parse_config_text(const std::string& text, const std::string& source_name) {
  return parse_or_throw(text, source_name);
}

void select_by_name(toml::table& document, const std::string& array_key, const std::vector<std::string>& names) {
  toml::array* array = document.get_as<toml::array>(array_key);
  if (!array || !array->is_array_of_tables())
    throw ConfigError(fmt::format("--only: the config has no [[{}]] tables to choose from", array_key));
  std::vector<std::string> present;
  for (const auto& element : *array)
    if (const auto name = element.as_table()->get_as<std::string>("name")) present.push_back(name->get());
  for (const auto& wanted : names)
    if (std::find(present.begin(), present.end(), wanted) == present.end())
      throw ConfigError(
          fmt::format("--only: no {} named '{}': expected one of {}", array_key, wanted, fmt::join(present, ", ")));
  for (std::size_t i = array->size(); i-- > 0;) {
    const auto name = array->get(i)->as_table()->get_as<std::string>("name");
    if (!name || std::find(names.begin(), names.end(), name->get()) == names.end())
      array->erase(array->begin() + static_cast<std::ptrdiff_t>(i));
  }
}

std::string to_toml_text(const toml::table& document) {
  std::ostringstream out;
  out << document << "\n";
  return out.str();
}

}  // namespace sgds
