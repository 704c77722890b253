#pragma once
// A sweep-level problem (its folder holds another sweep, points missing at merge, an unreadable
// point file, a bad --shard): one line, exit status 2, like a config error.
#include "core/config_table.hpp"

namespace sgds {

class SweepError : public ConfigError {
 public:
  using ConfigError::ConfigError;
};

}  // namespace sgds
