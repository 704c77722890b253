// Sweep files: point numbering, seeds, shard/rank partitions, validation, point-file round trip.
#include <algorithm>
#include <filesystem>
#include <set>

#include <catch2/catch.hpp>
#include <unistd.h>

#include "data/result_file.hpp"
#include "sim/sweep/point_file.hpp"
#include "sim/sweep/sweep_runner.hpp"
#include "sim/sweep/sweep_spec.hpp"

using namespace sgds;

namespace {

const char* kBase = R"(
seed = 42
[[experiment]]
name = "q"
trajectories = 64
steps = 20
problem = { name = "quadratic", dim = 2, a = 1.0 }
noise = { kind = "gaussian", scale = 1.0 }
schedule = { kind = "constant", eta = 0.1, batch = 8 }
record = { checkpoints = 5 }
)";

SweepSpec parse(const std::string& sweep_table) {
  return SweepSpec::parse(parse_config_text(std::string(kBase) + sweep_table, "test.toml"));
}

std::string error_of(const std::string& sweep_table) {
  try {
    parse(sweep_table);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("Sweep points are numbered row-major with the replicate fastest") {
  const SweepSpec spec = parse(R"(
[sweep]
replicates = 2
grid = { "experiment.*.schedule.eta" = [0.05, 0.1, 0.2], "experiment.*.schedule.batch" = [1, 8] }
zip = { "experiment.*.noise.scale" = [0.5, 2.0], "experiment.*.problem.dim" = [2, 3] }
)");
  CHECK(spec.cells() == 12);
  CHECK(spec.points() == 24);
  // Grid axes in alphabetical key order (batch before eta), then the zip group.
  CHECK(spec.axis_keys() == std::vector<std::string>{"experiment.*.schedule.batch", "experiment.*.schedule.eta",
                                                     "experiment.*.noise.scale", "experiment.*.problem.dim"});
  const SweepPoint p = spec.point(15);  // cell 7 = batch index 1, eta index 0, zip index 1; replicate 1
  CHECK(p.cell == 7);
  CHECK(p.replicate == 1);
  CHECK(p.assignments == std::vector<std::string>{"experiment.*.schedule.batch=8", "experiment.*.schedule.eta=0.05",
                                                  "experiment.*.noise.scale=2.0", "experiment.*.problem.dim=3"});
  const RunConfig config = spec.point_config(p);
  CHECK(config.seed == p.seed);
  const ExperimentConfig& e = config.experiments.front();
  CHECK(std::get<double>(e.parameters->at("schedule.eta")) == 0.05);
  CHECK(std::get<std::int64_t>(e.parameters->at("schedule.batch")) == 8);
  CHECK(std::get<double>(e.parameters->at("noise.scale")) == 2.0);
  CHECK(std::get<std::int64_t>(e.parameters->at("problem.dim")) == 3);
  CHECK_THROWS(spec.point(24));
}

TEST_CASE("Grid values reach the point config bit for bit") {
  const SweepSpec spec = parse(R"(
[sweep]
grid = { "experiment.0.schedule.eta" = [0.1, 0.3333333333333333, 1e-300, 0.7000000000000001, 1e22, 2.0] }
)");
  const std::vector<double> expected{0.1, 1.0 / 3.0, 1e-300, 0.7000000000000001, 1e22, 2.0};
  for (std::int64_t p = 0; p < spec.points(); ++p)
    CHECK(std::get<double>(spec.point_config(spec.point(p)).experiments[0].parameters->at("schedule.eta")) ==
          expected[static_cast<std::size_t>(p)]);
}

TEST_CASE("Point seeds depend only on sweep seed, cell and replicate") {
  const SweepSpec spec = parse("[sweep]\nreplicates = 3\ngrid = { \"experiment.*.steps\" = [10, 20, 30, 40] }\n");
  std::set<std::uint32_t> seeds;
  for (std::int64_t p = 0; p < spec.points(); ++p) {
    const SweepPoint point = spec.point(p);
    CHECK(point.seed == sweep_point_seed(42, point.cell, point.replicate));
    seeds.insert(point.seed);
  }
  CHECK(seeds.size() == 12);  // distinct across cells and replicates
  CHECK(sweep_point_seed(42, 1, 0) != sweep_point_seed(43, 1, 0));
  // A different grid with the same seed gives cell 0 replicate 0 the same seed: seeds follow
  // (seed, cell, replicate) only.
  CHECK(parse("[sweep]\nreplicates = 3\n").point(0).seed == spec.point(0).seed);
}

TEST_CASE("Every point belongs to exactly one worker for any shards x ranks") {
  for (int shards = 1; shards <= 5; ++shards)
    for (int ranks = 1; ranks <= 3; ++ranks) {
      std::vector<int> owners(23, 0);
      for (int shard = 0; shard < shards; ++shard)
        for (int rank = 0; rank < ranks; ++rank)
          for (std::int64_t p : worker_points(23, SweepWorker{shard, shards, rank, ranks}))
            ++owners[static_cast<std::size_t>(p)];
      CHECK(std::all_of(owners.begin(), owners.end(), [](int n) { return n == 1; }));
    }
  CHECK(worker_points(7, SweepWorker{1, 3, 0, 1}) == std::vector<std::int64_t>{1, 4});
  CHECK(worker_points(10, SweepWorker{0, 2, 1, 2}) == std::vector<std::int64_t>{2, 6});
}

TEST_CASE("Shard text is checked") {
  CHECK(parse_shard("2/5").shard == 2);
  CHECK(parse_shard("2/5").shards == 5);
  for (const char* bad : {"5/5", "-1/3", "1/0", "1", "a/b", "1/2x", "", "/3"})
    CHECK_THROWS_AS(parse_shard(bad), ConfigError);
}

TEST_CASE("Bad sweep tables are refused with one line naming the key") {
  CHECK_THAT(error_of("[sweep]\nzip = { \"experiment.*.steps\" = [1, 2], \"experiment.*.trajectories\" = [8] }\n"),
             Catch::Contains("sweep.zip.experiment.*.trajectories") && Catch::Contains("2 values"));
  CHECK_THAT(error_of("[sweep]\ngrid = { \"experiment.*.steps\" = [] }\n"), Catch::Contains("non-empty array"));
  CHECK_THAT(error_of("[sweep]\ngrid = { \"experiment.*.steps\" = 5 }\n"),
             Catch::Contains("sweep.grid.experiment.*.steps"));
  CHECK_THAT(error_of("[sweep]\ngrid = {}\n"), Catch::Contains("sweep.grid"));
  CHECK_THAT(error_of("[sweep]\ngrid = { seed = [1, 2] }\n"), Catch::Contains("sweep.grid.seed"));
  CHECK_THAT(error_of("[sweep]\nreplicate = 2\n"), Catch::Contains("sweep.replicate") && Catch::Contains("replicates"));
  CHECK_THAT(error_of("[sweep]\n"), Catch::Contains("sweep.grid"));
  CHECK_THAT(error_of(""), Catch::Contains("sweep"));
  CHECK_THAT(error_of("[sweep]\ngrid = { \"experiment.*.steps\" = [1] }\nzip = { \"experiment.*.steps\" = [2] }\n"),
             Catch::Contains("duplicate"));
  // A bad value deep in the grid is found before anything runs, naming the point and the key.
  CHECK_THAT(error_of("[sweep]\ngrid = { \"experiment.*.schedule.eta\" = [0.1, -0.2] }\n"),
             Catch::Contains("sweep point 1") && Catch::Contains("experiment[0].schedule.eta"));
  CHECK_THAT(
      error_of(
          "[sweep]\nreplicates = 100000\ngrid = { \"experiment.*.steps\" = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }\n"),
      Catch::Contains("at most 1000000 points"));
}

TEST_CASE("A point file gives back what was written") {
  const SweepSpec spec = parse("[sweep]\ngrid = { \"experiment.*.schedule.batch\" = [2, 4] }\n");
  const SweepPoint point = spec.point(1);
  const RunConfig config = spec.point_config(point);
  PointRecord record;
  record.point = point;
  record.config_text = to_toml_text(spec.point_document(point));
  record.device = "test device";
  record.computed_by = "shard 0/1, rank 0/1";
  record.experiments.push_back(run_experiment(config.experiments.front(), config.seed, true));
  const std::string filename =
      (std::filesystem::temp_directory_path() / ("sgds_point_" + std::to_string(::getpid()) + ".h5")).string();
  write_point_file(filename, record, "test");
  const PointRecord back = read_point_file(filename);
  std::filesystem::remove(filename);
  CHECK(back.point.index == 1);
  CHECK(back.point.seed == point.seed);
  CHECK(back.config_text == record.config_text);
  CHECK(back.computed_by == record.computed_by);
  REQUIRE(back.experiments.size() == 1);
  const ExperimentResult& a = record.experiments.front();
  const ExperimentResult& b = back.experiments.front();
  CHECK(b.parameters.size() == a.parameters.size());
  for (const auto& [key, value] : a.parameters) {
    // Booleans come back as the int64 they were stored as.
    if (std::holds_alternative<bool>(value))
      CHECK(std::get<std::int64_t>(b.parameters.at(key)) == std::get<bool>(value));
    else CHECK(b.parameters.at(key) == value);
  }
  CHECK(b.steps == a.steps);
  CHECK(b.diverged == a.diverged);
  for (const auto& s : a.series) {
    const ObservableSeries& t = b.observable(s.name);
    CHECK(t.description == s.description);
    CHECK(t.width == s.width);
    CHECK(t.mean == s.mean);
    CHECK(t.standard_error == s.standard_error);
    CHECK(t.count == s.count);
  }
}
