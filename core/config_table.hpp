#pragma once
// Reading a TOML config with validation up front. A ConfigTable wraps one TOML table and its
// dotted path; every accessor names the key, checks type and range, and remembers the key as
// known. finish() then rejects any key nobody asked for, with a did-you-mean suggestion.
// Every value handed out (defaults included) is also recorded as a resolved parameter, so the
// result file can store the effective settings of an experiment as attributes.
//
// A top-level [defaults] table is deep-merged into every element of the root's array of tables
// ([[experiment]] or [[run]]) when tables() hands them out: the element's own keys win, tables
// merge key by key, and an inherited key that is wrong or unknown is reported with the
// defaults.* path it came from.
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <toml++/toml.h>

namespace sgds {

// A config problem: one line naming the key, the value and what is allowed. Exit status 2.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr double kInf = std::numeric_limits<double>::infinity();

// An interval of allowed numbers, for messages and checks.
struct NumberRange {
  double low = -kInf, high = kInf;
  bool low_open = false, high_open = false;

  static NumberRange any() { return {}; }
  static NumberRange positive() { return {0.0, kInf, true, false}; }
  static NumberRange non_negative() { return {0.0, kInf, false, false}; }
  static NumberRange at_least(double v) { return {v, kInf, false, false}; }
  static NumberRange closed(double lo, double hi) { return {lo, hi, false, false}; }
  static NumberRange open(double lo, double hi) { return {lo, hi, true, true}; }
  static NumberRange half_open(double lo, double hi) { return {lo, hi, true, false}; }  // (lo, hi]

  bool contains(double v) const;
  std::string describe() const;  // "a number > 0", "a number in [0, 1)", ...
};

using ParameterValue = std::variant<double, std::int64_t, bool, std::string, std::vector<double>>;
// Resolved parameters of one experiment, keyed by dotted path relative to it ("schedule.eta").
using ParameterMap = std::map<std::string, ParameterValue>;

class ConfigTable {
 public:
  // `path` is the dotted location used in messages ("experiment[0].schedule"); `parameters`
  // (may be null) receives every resolved value under `parameter_prefix`.
  ConfigTable(const toml::table& table, std::string path, std::shared_ptr<ParameterMap> parameters = nullptr,
              std::string parameter_prefix = "");

  bool has(const std::string& key) const;
  bool is_array(const std::string& key) const;

  // Record every value read from now on into `parameters` (keys relative to this table).
  void record_into(std::shared_ptr<ParameterMap> parameters) { parameters_ = std::move(parameters); }

  double number(const std::string& key, NumberRange range, std::optional<double> fallback = std::nullopt);
  std::int64_t integer(const std::string& key, std::int64_t low, std::int64_t high,
                       std::optional<std::int64_t> fallback = std::nullopt);
  bool boolean(const std::string& key, std::optional<bool> fallback = std::nullopt);
  std::string text(const std::string& key, std::optional<std::string> fallback = std::nullopt);
  std::string choice(const std::string& key, const std::vector<std::string>& allowed,
                     std::optional<std::string> fallback = std::nullopt);
  std::vector<double> numbers(const std::string& key, NumberRange range, std::size_t min_count = 1,
                              std::optional<std::vector<double>> fallback = std::nullopt);

  // A required or optional sub-table; an absent optional one reads as empty (defaults apply).
  ConfigTable table(const std::string& key, bool required = false);
  std::vector<ConfigTable> tables(const std::string& key);  // array of tables, at least one

  // Reject keys no accessor asked for. Call after reading everything.
  void finish() const;

  const std::string& path() const { return path_; }
  std::string key_path(const std::string& key) const;
  [[noreturn]] void fail(const std::string& key, const std::string& value, const std::string& allowed) const;
  std::shared_ptr<ParameterMap> parameters() const { return parameters_; }

 private:
  const toml::node* lookup(const std::string& key);
  void record(const std::string& key, ParameterValue value);

  const toml::table* table_;
  std::string path_;
  std::shared_ptr<ParameterMap> parameters_;
  std::string prefix_;
  std::set<std::string> known_;
  std::vector<std::unique_ptr<toml::table>> owned_empty_;   // backing for absent optional tables
  std::vector<std::unique_ptr<toml::table>> owned_merged_;  // elements with [defaults] merged in
  // Full key path of each inherited key -> the defaults.* path it came from; shared with sub-tables.
  std::shared_ptr<const std::map<std::string, std::string>> inherited_;

  std::string described_key(const std::string& key) const;  // key path, and its origin if inherited
};

// Render a TOML node's value compactly for messages: 0.1, "abc", [1, 2], {table}.
std::string describe_value(const toml::node& node);

// The closest candidate within a small edit distance, or empty.
std::string did_you_mean(const std::string& word, const std::set<std::string>& candidates);

// Apply `key.path=value` overrides (value parsed as TOML) to a document. Path segments are
// table keys, integers index arrays, `*` means every element. Unknown paths are added, so that
// validation names them later; an index past the end is an error.
void apply_override(toml::table& document, const std::string& assignment);

// Keep only the elements of document[array_key] whose "name" is one of `names` (the --only
// option); an unknown name is a ConfigError listing the names the config has.
void select_by_name(toml::table& document, const std::string& array_key, const std::vector<std::string>& names);

// Parse a config file (or text) into a table; syntax errors become one-line ConfigErrors.
toml::table parse_config_file(const std::string& filename);
toml::table parse_config_text(const std::string& text, const std::string& source_name);

// The document as canonical TOML text (what the result file stores as the effective config).
std::string to_toml_text(const toml::table& document);

}  // namespace sgds
