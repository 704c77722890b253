// End to end without the CLI: a config naming IDX files the test writes, loaded, standardised,
// trained (two runs, so the cross-run correlation block is exercised elsewhere only by the CLI),
// and written to /networks of a result file, read back with the documented shapes.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include <unistd.h>
#include <zlib.h>

#include "data/result_file.hpp"
#include "core/config_table.hpp"
#include "sim/nn/network_output.hpp"
#include "sim/nn/train_config.hpp"
#include "core/rng.hpp"

using namespace sgds;
using namespace sgds::nn;
namespace fs = std::filesystem;

namespace {

// An MNIST-format folder of 8 x 8 images: class k has a bright row 2k (k < 3), plus noise.
void write_idx_folder(const fs::path& dir, int train_n, int test_n) {
  fs::create_directories(dir);
  const auto write = [&](const char* name, std::uint32_t magic, std::vector<std::uint32_t> dims,
                         const std::vector<unsigned char>& data) {
    std::vector<unsigned char> bytes;
    const auto put = [&](std::uint32_t v) {
      for (int s = 24; s >= 0; s -= 8) bytes.push_back(static_cast<unsigned char>(v >> s));
    };
    put(magic);
    for (const auto d : dims) put(d);
    bytes.insert(bytes.end(), data.begin(), data.end());
    gzFile f = gzopen((dir / name).c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
  };
  for (const bool is_train : {true, false}) {
    const int n = is_train ? train_n : test_n;
    RandomStream s(is_train ? 1 : 2, 0, 0, StreamPurpose::user);
    std::vector<unsigned char> pixels, labels;
    for (int i = 0; i < n; ++i) {
      const int label = static_cast<int>(s.below(3));
      labels.push_back(static_cast<unsigned char>(label));
      for (int p = 0; p < 64; ++p)
        pixels.push_back(static_cast<unsigned char>(
            std::clamp(100.0 + (p / 8 == 2 * label ? 80.0 : 0.0) + 40.0 * s.normal(), 0.0, 255.0)));
    }
    write(is_train ? "train-images-idx3-ubyte.gz" : "t10k-images-idx3-ubyte.gz", 0x803,
          {static_cast<std::uint32_t>(n), 8, 8}, pixels);
    write(is_train ? "train-labels-idx1-ubyte.gz" : "t10k-labels-idx1-ubyte.gz", 0x801, {static_cast<std::uint32_t>(n)},
          labels);
  }
}

}  // namespace

TEST_CASE("A config over IDX files trains and writes the documented networks group") {
  const fs::path dir = fs::temp_directory_path() / ("sgds_test_nn_output_" + std::to_string(::getpid()));
  write_idx_folder(dir / "data", 400, 100);
  const std::string text =
      "seed = 3\n[data]\nsource = \"idx\"\ndir = \"" + (dir / "data").string() +
      "\"\nvalidation = 50\n[model]\nkind = \"cnn\"\nchannels = [2, 2]\n"
      "[train]\nreplicas = 2\nepochs = 2\n[measure]\nnoise_samples = 64\ncurvature_samples = 32\n"
      "power_iterations = 3\nhutchinson_probes = 2\nsharpness_samples = 32\nsharpness_batch = 16\n"
      "sharpness_steps = 3\naverage_draws = 2\n"
      "[[run]]\nname = \"hybrid\"\nschedule = { kind = \"hybrid\", eta = 0.05, batch = 8, every = 1 }\n";
  const TrainConfig config = parse_train_config(parse_config_text(text, "test.toml"));
  const LoadedData data = load_training_data(config.data);
  REQUIRE(data.train.size() == 350);
  REQUIRE(data.evaluation.size() == 100);
  const Architecture arch = make_architecture(config.model, data.train);
  const TrainResult result = train_replicas(config.runs[0], arch, data.train, data.evaluation, config.seed);

  const std::string file = (dir / "out.h5").string();
  {
    ResultWriter writer(file, ResultKind::train, Provenance{"test", text, config.seed, "cpu"});
    write_training_run(writer.top_group("networks"), result, config.runs[0], config);
    writer.commit();
  }
  const ResultReader reader(file);
  const h5::Group run = reader.root().open_group("networks").open_group("hybrid");
  CHECK(run.attribute_string("schedule_kind") == "hybrid");
  CHECK(run.dataset_info("test_accuracy").shape == std::vector<std::uint64_t>{3, 2});
  CHECK(run.open_group("final").dataset_info("sharpness_worst_linf").shape == std::vector<std::uint64_t>{2});
  const auto batch = run.read_doubles("batch");
  CHECK(batch == std::vector<double>{8, 8, 12});  // hybrid: b = int(1.5 b) after each epoch
  const auto eta = run.read_doubles("eta");
  CHECK(eta[2] == Approx(0.05 * 0.86602540));
  const auto steps = run.read_int64s("steps");
  CHECK(steps == std::vector<std::int64_t>{0, 44, 44 + 30});  // ceil(350/8), ceil(350/12)
  for (const double v : run.read_doubles("c2")) CHECK(v > 0.0);
  for (const double v : run.open_group("final").read_doubles("hessian_top_eigenvalue")) CHECK(std::isfinite(v));
  fs::remove_all(dir);
}
