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
  CHECK(c.runs[0].measure.landscape.directions == LandscapeDirections::none);
}

TEST_CASE("measure.landscape reads its keys and refuses what it cannot slice") {
  const TrainConfig c = parse(std::string(kMinimal) +
                              "[measure.landscape]\ndirections = \"random\"\npoints = 11\nspan = 0.5\nsamples = 256\n"
                              "replicas = 2\n");
  const LandscapeSpec& l = c.runs[0].measure.landscape;
  CHECK(l.directions == LandscapeDirections::random);
  CHECK(l.points == 11);
  CHECK(l.span == 0.5);
  CHECK(l.samples == 256);
  CHECK(l.replicas == 2);
  const std::string with = std::string(kMinimal) + "[measure.landscape]\ndirections = \"pca\"\n";
  CHECK(parse(with).runs[0].measure.landscape.points == 21);
  CHECK_THAT(error_of(with + "points = 10\n"),
             Catch::Contains("key 'measure.landscape.points' = 10: expected an odd integer in [3, 401]"));
  CHECK_THAT(error_of(with + "samples = 100\n"),
             Catch::Contains("key 'measure.landscape.samples' = 100: expected a multiple of 32"));
  CHECK_THAT(error_of(with + "span = -1\n"), Catch::Contains("measure.landscape.span"));
  CHECK_THAT(error_of(with + "side = 3\n"), Catch::Contains("measure.landscape.side"));
  CHECK_THAT(error_of(std::string(kMinimal) + "[measure.landscape]\ndirections = \"hessian\"\n"),
             Catch::Contains("measure.landscape.directions"));
  CHECK_THAT(
      error_of(with + "[train]\nepochs = 1\n"),
      Catch::Contains("key 'measure.landscape.directions' = \"pca\": expected \"random\" for run 'a' of 1 epoch"));
}

TEST_CASE("Bad train configs give one-line errors naming the key") {
  CHECK_THAT(error_of(std::string(kMinimal) + "[model]\nkind = \"resnet\"\n"), Catch::Contains("model.kind"));
  CHECK_THAT(error_of(std::string(kMinimal) + "[train]\nreplicas = 0\n"), Catch::Contains("train.replicas"));
  CHECK_THAT(error_of(std::string(kMinimal) + "[train]\nepoch = 3\n"), Catch::Contains("epoch"));
  CHECK_THAT(error_of(std::string(kMinimal) + "[measure]\nnoise_samples = 10\n"), Catch::Contains("noise_samples"));
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
