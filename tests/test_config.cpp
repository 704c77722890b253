// Config validation: every bad input becomes one line naming the key, the value and what is allowed.
#include <catch2/catch.hpp>

#include <string>

#include "core/config_table.hpp"
#include "sim/experiment.hpp"

using namespace sgds;

namespace {

std::string error_of(const std::string& text) {
  try {
    const toml::table document = parse_config_text(text, "test.toml");
    parse_run_config(document);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

const char* kValid = R"(
seed = 3
[[experiment]]
name = "ok"
steps = 10
problem = { name = "quadratic", dim = 2 }
schedule = { eta = 0.1 }
)";

}  // namespace

TEST_CASE("a valid config parses and records its resolved parameters including defaults") {
  const RunConfig run = parse_run_config(parse_config_text(kValid, "test.toml"));
  REQUIRE(run.experiments.size() == 1);
  const auto& parameters = *run.experiments[0].parameters;
  CHECK(std::get<double>(parameters.at("schedule.eta")) == 0.1);
  CHECK(std::get<std::int64_t>(parameters.at("schedule.batch")) == 1);  // a default, recorded
  CHECK(std::get<std::string>(parameters.at("noise.kind")) == "gaussian");
  CHECK(run.experiments[0].engine.checkpoint_steps.front() == 0);
  CHECK(run.experiments[0].engine.checkpoint_steps.back() == 10);
}

TEST_CASE("an unknown key is named with a did-you-mean suggestion") {
  const std::string e = error_of(std::string(kValid) + "trajectorys = 5\n");
  CHECK(e.find("unknown key 'experiment[0].trajectorys'") != std::string::npos);
  CHECK(e.find("did you mean 'trajectories'") != std::string::npos);
  CHECK(e.find('\n') == std::string::npos);
}

TEST_CASE("wrong types and out-of-range values name the key the value and the allowed range") {
  std::string text = kValid;
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string t = text;
    t.replace(t.find(from), from.size(), to);
    return error_of(t);
  };
  const std::string negative_eta = replaced("eta = 0.1", "eta = -0.1");
  CHECK(negative_eta.find("'experiment[0].schedule.eta' = -0.1") != std::string::npos);
  CHECK(negative_eta.find("> 0") != std::string::npos);
  CHECK(replaced("eta = 0.1", "eta = \"fast\"").find("got a string") != std::string::npos);
  CHECK(replaced("eta = 0.1", "eta = nan").find("'experiment[0].schedule.eta' = nan") != std::string::npos);
  CHECK(replaced("steps = 10", "steps = -1").find("'experiment[0].steps' = -1: expected an integer in [0,") !=
        std::string::npos);
  CHECK(replaced("name = \"quadratic\"", "name = \"quadratik\"").find("did you mean \"quadratic\"") !=
        std::string::npos);
}

TEST_CASE("duplicate experiment names and a missing experiment list are refused") {
  std::string twice = std::string(kValid) + R"(
[[experiment]]
name = "ok"
steps = 10
problem = { name = "quadratic" }
schedule = { eta = 0.1 }
)";
  CHECK(error_of(twice).find("a name not used by another experiment") != std::string::npos);
  CHECK(error_of("seed = 1\n").find("'experiment' = (missing)") != std::string::npos);
}

TEST_CASE("syntax errors are one line with file line and column") {
  const std::string e = error_of("seed = \n[[experiment]\n");
  CHECK(e.rfind("config: test.toml:1:", 0) == 0);
  CHECK(e.find('\n') == std::string::npos);
}

TEST_CASE("overrides address tables and array elements and star means all") {
  toml::table document = parse_config_text(std::string(kValid) + R"(
[[experiment]]
name = "two"
steps = 10
problem = { name = "quadratic" }
schedule = { eta = 0.1 }
)",
                                           "test.toml");
  apply_override(document, "experiment.1.schedule.eta=0.25");
  apply_override(document, "experiment.*.steps=7");
  apply_override(document, "experiment.0.noise.kind=none");  // bare word becomes a string
  const RunConfig run = parse_run_config(document);
  CHECK(std::get<double>(run.experiments[1].parameters->at("schedule.eta")) == 0.25);
  CHECK(std::get<double>(run.experiments[0].parameters->at("schedule.eta")) == 0.1);
  CHECK(run.experiments[0].schedule.steps() == 7);
  CHECK(run.experiments[1].schedule.steps() == 7);
  CHECK(run.experiments[0].noise.kind == NoiseKind::none);
  CHECK_THROWS_AS(apply_override(document, "experiment.5.steps=1"), ConfigError);
  CHECK_THROWS_AS(apply_override(document, "noequals"), ConfigError);
  // An override of an unknown key is caught by validation, like a typo in the file.
  apply_override(document, "experiment.0.stepz=3");
  CHECK_THROWS_WITH(parse_run_config(document), Catch::Contains("did you mean 'steps'"));
}

TEST_CASE("checkpoints are increasing and include 0 and the last step for both spacings") {
  for (const std::string spacing : {"linear", "log"}) {
    const auto steps = checkpoint_steps(1000, 20, spacing);
    CHECK(steps.front() == 0);
    CHECK(steps.back() == 1000);
    for (std::size_t i = 1; i < steps.size(); ++i) CHECK(steps[i] > steps[i - 1]);
  }
  CHECK(checkpoint_steps(0, 50, "linear") == std::vector<std::int64_t>{0});
}

namespace {

const char* kWithDefaults = R"(
seed = 3
[defaults]
steps = 10
problem = { name = "quadratic", dim = 2 }
schedule = { eta = 0.1, batch = 4 }
[[experiment]]
name = "plain"
[[experiment]]
name = "decayed"
steps = 20
schedule = { kind = "lr_decay", every = 5, factor = 0.5 }
)";

}  // namespace

TEST_CASE("the defaults table is deep-merged into every experiment and the experiment's own keys win") {
  const RunConfig run = parse_run_config(parse_config_text(kWithDefaults, "test.toml"));
  REQUIRE(run.experiments.size() == 2);
  const auto& plain = *run.experiments[0].parameters;
  const auto& decayed = *run.experiments[1].parameters;
  CHECK(std::get<std::int64_t>(plain.at("steps")) == 10);
  CHECK(std::get<std::int64_t>(decayed.at("steps")) == 20);    // own key wins
  CHECK(std::get<double>(decayed.at("schedule.eta")) == 0.1);  // inline tables merge key by key
  CHECK(std::get<std::int64_t>(decayed.at("schedule.batch")) == 4);
  CHECK(std::get<std::string>(decayed.at("schedule.kind")) == "lr_decay");
  CHECK(std::get<std::string>(plain.at("schedule.kind")) == "constant");
  CHECK(std::get<std::string>(plain.at("problem.name")) == "quadratic");
}

TEST_CASE("a wrong or unknown inherited key is refused naming the defaults path it came from") {
  std::string text = kWithDefaults;
  text.replace(text.find("steps = 10"), 10, "steps = 10\ntrajectoriez = 8");
  const std::string unknown = error_of(text);
  CHECK(unknown.find("unknown key 'defaults.trajectoriez' (inherited by 'experiment[0].trajectoriez') = 8") !=
        std::string::npos);
  CHECK(unknown.find("did you mean 'trajectories'") != std::string::npos);
  text = kWithDefaults;
  text.replace(text.find("batch = 4"), 9, "batch = 0");
  const std::string range = error_of(text);
  CHECK(range.find("'defaults.schedule.batch' (inherited by 'experiment[0].schedule.batch') = 0") != std::string::npos);
  // An experiment's own wrong value is still named as its own.
  text = kWithDefaults;
  text.replace(text.find("steps = 20"), 10, "steps = -1");
  CHECK(error_of(text).find("key 'experiment[1].steps' = -1") != std::string::npos);
  CHECK(error_of("[defaults]\n[[experiment]]\nname = \"a\"\n").find("key 'experiment[0].problem' = (missing)") !=
        std::string::npos);
  CHECK(error_of("defaults = 3\n[[experiment]]\nname = \"a\"\n").find("key 'defaults' = 3") != std::string::npos);
}

TEST_CASE("overrides address the defaults table and select_by_name keeps the named experiments") {
  toml::table document = parse_config_text(kWithDefaults, "test.toml");
  apply_override(document, "defaults.schedule.eta=0.25");
  select_by_name(document, "experiment", {"decayed"});
  const RunConfig run = parse_run_config(document);
  REQUIRE(run.experiments.size() == 1);
  CHECK(run.experiments[0].name == "decayed");
  CHECK(std::get<double>(run.experiments[0].parameters->at("schedule.eta")) == 0.25);
  CHECK_THROWS_WITH(select_by_name(document, "experiment", {"nope"}),
                    Catch::Contains("no experiment named 'nope'") && Catch::Contains("decayed"));
}
