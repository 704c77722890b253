// libFuzzer target: any text through the config parser and the run-config and sweep validators.
// The only acceptable outcome besides success is a ConfigError (one-line bad-input message);
// anything else (a crash, a sanitizer report, another exception) is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/config_table.hpp"
#include "sim/experiment.hpp"
#include "sim/sweep/sweep_spec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  toml::table document;
  try {
    document = sgds::parse_config_text(text, "fuzz.toml");
  } catch (const sgds::ConfigError&) {
    return 0;
  }
  try {
    (void)sgds::parse_run_config(document);
  } catch (const sgds::ConfigError&) {}
  try {
    (void)sgds::SweepSpec::parse(document);
  } catch (const sgds::ConfigError&) {}
  return 0;
}
