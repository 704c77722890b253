#include "analysis/experiment_cache.hpp"

#include <map>
#include <tuple>
#include <mutex>
#include <utility>

#include "analysis/trend.hpp"

namespace sgds {

const ExperimentResult& cached_check_experiment_on(const std::string& path, const std::string& toml_text,
                                                   const std::string& source, std::uint32_t seed) {
  static std::mutex mutex;
  static std::map<std::tuple<std::string, std::string, std::uint32_t>, ExperimentResult>
      cache;  // references stay valid
  const std::lock_guard<std::mutex> lock(mutex);
  const auto key = std::tuple{path, toml_text, seed};
  auto found = cache.find(key);
  if (found == cache.end()) found = cache.emplace(key, run_experiment_text_on(path, toml_text, source, seed)).first;
  return found->second;
}

const ExperimentResult& cached_check_experiment(const std::string& toml_text, const std::string& source,
                                                std::uint32_t seed) {
  return cached_check_experiment_on("lane", toml_text, source, seed);
}

}  // namespace sgds
