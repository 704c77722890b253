// `sgdsmooth train` configs: defaults, [[run]] schedules at epoch granularity, and one-line
// errors that name the key for bad input.
#include <catch2/catch.hpp>

#include "core/config_table.hpp"
#include "sim/nn/train_config.hpp"

using namespace sgds;
using namespace sgds::nn;

namespace {

TrainConfig parse(const std::string& text) { return parse_train_config(parse_config_text(text, "test.toml")); }

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

const char* kMinimal = R"(
[[run]]
name = "a"
schedule = { kind = "batch_increase", eta = 0.1, batch = 32, every = 5 }
)";

}  // namespace

TEST_CASE("A minimal train config takes the documented defaults") {
  const TrainConfig c = parse(kMinimal);
  CHECK(c.data.source == "fashion-mnist");
  CHECK(c.model.kind == "mlp");
  CHECK(c.model.hidden == std::vector<int>{256});
  REQUIRE(c.runs.size() == 1);
  CHECK(c.runs[0].replicas == 8);
  CHECK(c.runs[0].measure.noise_samples == 1024);
  CHECK(c.runs[0].measure.sharpness_rho == 2e-4);
  CHECK(c.runs[0].measure.sharpness_steps == 20);
  CHECK(c.runs[0].measure.sharpness_batch == 128);
  CHECK(c.runs[0].schedule.per_epoch);
  CHECK(schedule_at(c.runs[0].schedule, 5).batch == 64.0);  // doubled after 5 epochs
}

TEST_CASE("Bad train configs give one-line errors naming the key") {
  CHECK_THAT(error_of(std::string(kMinimal) + "[model]\nkind = \"resnet\"\n"), Catch::Contains("model.kind"));
  CHECK_THAT(error_of(std::string(kMinimal) + "[train]\nreplicas = 0\n"), Catch::Contains("train.replicas"));
  CHECK_THAT(error_of(std::string(kMinimal) + "[train]\nepoch = 3\n"), Catch::Contains("epoch"));
  CHECK_THAT(error_of(std::string(kMinimal) + "[measure]\nnoise_samples = 10\n"),
             Catch::Contains("noise_samples"));
  CHECK_THAT(error_of(std::string(kMinimal) + "[measure]\nnoise_samples = 64\ntail_block = 33\n"),
             Catch::Contains("key 'measure.tail_block' = 33: expected at most half of measure.noise_samples = 64"));
  CHECK_THAT(error_of(std::string(kMinimal) + "[measure]\ntail_block = 1\n"), Catch::Contains("measure.tail_block"));
  CHECK_THAT(error_of(std::string(kMinimal) + "[data]\nevaluate_on = \"validation\"\n"),
             Catch::Contains("evaluate_on"));
  CHECK_THAT(error_of("[[run]]\nname = \"a\"\nschedule = { eta = 0.1, batch = 8, unit = \"step\" }\n"),
             Catch::Contains("unit"));
  CHECK_THAT(error_of("[[run]]\nname = \"a\"\nschedule = { eta = -1 }\n"), Catch::Contains("eta"));
  CHECK_THAT(error_of(std::string(kMinimal) + "[[run]]\nname = \"a\"\nschedule = { eta = 0.1 }\n"),
             Catch::Contains("name"));
  CHECK_THAT(error_of("[model]\nkind = \"cnn\"\n"), Catch::Contains("run"));
  const std::string one_line = error_of(std::string(kMinimal) + "[model]\nhidden = [0]\n");
  CHECK(one_line.find('\n') == std::string::npos);
  CHECK_THAT(one_line, Catch::Contains("model.hidden"));
}
