// Data loaders on files the test writes (IDX plain and gzip, CIFAR-10/100 binary), their error
// messages for missing, truncated and wrong-magic files, normalisation and the validation split,
// and the real Fashion-MNIST files when Debian's dataset-fashion-mnist is installed.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>
#include <zlib.h>

#include "data/cifar_loader.hpp"
#include "data/idx_loader.hpp"

using namespace sgds;
namespace fs = std::filesystem;

namespace {

fs::path scratch() {
  const fs::path dir = fs::temp_directory_path() / ("sgds_test_loader_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

std::vector<unsigned char> idx_bytes(std::uint32_t magic, const std::vector<std::uint32_t>& dims,
                                     const std::vector<unsigned char>& data) {
  std::vector<unsigned char> out;
  const auto put = [&](std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<unsigned char>(v >> s));
  };
  put(magic);
  for (const auto d : dims) put(d);
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

void write_plain(const fs::path& path, const std::vector<unsigned char>& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

void write_gzip(const fs::path& path, const std::vector<unsigned char>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

// Three 2 x 3 images with pixel value 10 * i + j, labels 2, 0, 1.
struct IdxFixture {
  std::vector<unsigned char> images, labels;
  IdxFixture() {
    std::vector<unsigned char> pixels;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 6; ++j) pixels.push_back(static_cast<unsigned char>(10 * i + j));
    images = idx_bytes(0x803, {3, 2, 3}, pixels);
    labels = idx_bytes(0x801, {3}, {2, 0, 1});
  }
};

void check_fixture(const Dataset& set) {
  REQUIRE(set.size() == 3);
  CHECK(set.height == 2);
  CHECK(set.width == 3);
  CHECK(set.channels == 1);
  CHECK(set.labels == std::vector<std::int32_t>{2, 0, 1});
  CHECK(set.sample(2)[4] == Approx(24.0 / 255.0));
}

std::string error_of(const std::function<void()>& load) {
  try {
    load();
  } catch (const DatasetError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("IDX loader reads plain and gzip files") {
  const fs::path dir = scratch();
  const IdxFixture fx;
  write_plain(dir / "img", fx.images);
  write_plain(dir / "lab", fx.labels);
  check_fixture(load_idx_pair((dir / "img").string(), (dir / "lab").string()));
  write_gzip(dir / "img.gz", fx.images);
  write_gzip(dir / "lab.gz", fx.labels);
  check_fixture(load_idx_pair((dir / "img.gz").string(), (dir / "lab.gz").string()));
  fs::remove_all(dir);
}

TEST_CASE("IDX loader names the file that is missing truncated or of the wrong type") {
  const fs::path dir = scratch();
  const IdxFixture fx;
  write_gzip(dir / "lab.gz", fx.labels);
  const std::string labels = (dir / "lab.gz").string();

  const std::string missing = (dir / "nothing.gz").string();
  CHECK_THAT(error_of([&] { load_idx_pair(missing, labels); }),
             Catch::Contains(missing) && Catch::Contains("no such file"));

  // Header promises 3 images, the data holds two and a half.
  write_gzip(dir / "short.gz", std::vector<unsigned char>(fx.images.begin(), fx.images.end() - 3));
  CHECK_THAT(error_of([&] { load_idx_pair((dir / "short.gz").string(), labels); }),
             Catch::Contains("short.gz") && Catch::Contains("truncated"));

  // A gzip stream cut in the middle.
  std::vector<unsigned char> big = fx.images;
  for (int i = 0; i < 5000; ++i) big.push_back(static_cast<unsigned char>(i * 7919 % 251));
  write_gzip(dir / "cut.gz", big);
  fs::resize_file(dir / "cut.gz", fs::file_size(dir / "cut.gz") / 2);
  CHECK_THAT(error_of([&] { load_idx_pair((dir / "cut.gz").string(), labels); }), Catch::Contains("cut.gz"));

  // Labels where images are expected.
  CHECK_THAT(error_of([&] { load_idx_pair(labels, labels); }),
             Catch::Contains("lab.gz") && Catch::Contains("wrong magic"));

  // Counts that disagree.
  write_gzip(dir / "two_labels.gz", idx_bytes(0x801, {2}, {0, 1}));
  write_gzip(dir / "img.gz", fx.images);
  CHECK_THAT(error_of([&] { load_idx_pair((dir / "img.gz").string(), (dir / "two_labels.gz").string()); }),
             Catch::Contains("2 labels for 3 images"));
  fs::remove_all(dir);
}

TEST_CASE("CIFAR binary loader reads CIFAR-10 and CIFAR-100 records") {
  const fs::path dir = scratch();
  for (const bool hundred : {false, true}) {
    std::vector<unsigned char> bytes;
    for (int r = 0; r < 2; ++r) {
      if (hundred) bytes.push_back(static_cast<unsigned char>(3 + r));  // coarse label, ignored
      bytes.push_back(static_cast<unsigned char>(hundred ? 77 + r : 4 + r));
      for (int j = 0; j < 3072; ++j) bytes.push_back(static_cast<unsigned char>((j + r) % 256));
    }
    write_plain(dir / "batch.bin", bytes);
    const Dataset set =
        load_cifar_binary({(dir / "batch.bin").string()}, hundred ? CifarVariant::cifar100 : CifarVariant::cifar10);
    REQUIRE(set.size() == 2);
    CHECK(set.channels == 3);
    CHECK(set.features() == 3072);
    CHECK(set.classes == (hundred ? 100 : 10));
    CHECK(set.labels[1] == (hundred ? 78 : 5));
    CHECK(set.sample(1)[1024] == Approx(((1024 + 1) % 256) / 255.0));  // first green pixel
    // Cut one byte: not a whole number of records.
    fs::resize_file(dir / "batch.bin", bytes.size() - 1);
    CHECK_THAT(error_of([&] {
                 load_cifar_binary({(dir / "batch.bin").string()},
                                   hundred ? CifarVariant::cifar100 : CifarVariant::cifar10);
               }),
               Catch::Contains("batch.bin") && Catch::Contains("whole number"));
  }
  CHECK_THAT(error_of([&] { load_cifar_binary({(dir / "absent.bin").string()}, CifarVariant::cifar10); }),
             Catch::Contains("absent.bin"));
  fs::remove_all(dir);
}

TEST_CASE("Standardisation uses training statistics and the validation split keeps the order") {
  Dataset train;
  train.height = 1;
  train.width = 2;
  train.classes = 2;
  train.pixels = {0, 2, 4, 6, 8, 10};
  train.labels = {0, 1, 0};
  const ChannelStatistics stats = channel_statistics(train);
  CHECK(stats.mean[0] == Approx(5.0));
  CHECK(stats.stddev[0] == Approx(std::sqrt(70.0 / 6.0)));
  Dataset validation = split_off_validation(train, 1);
  CHECK(train.size() == 2);
  CHECK(validation.labels == std::vector<std::int32_t>{0});
  CHECK(validation.pixels == std::vector<float>{8, 10});
  standardise(validation, stats);
  CHECK(validation.pixels[0] == Approx(3.0 / std::sqrt(70.0 / 6.0)));
  CHECK_THROWS_AS(split_off_validation(train, 2), DatasetError);
}

TEST_CASE("Real Fashion-MNIST files load when installed") {
  if (!fs::exists(fs::path(kFashionMnistDir) / "train-images-idx3-ubyte.gz")) {
    WARN("skipped: " << kFashionMnistDir << " not installed (Debian dataset-fashion-mnist)");
    return;
  }
  const TrainTest data = load_mnist_format_dir(kFashionMnistDir);
  CHECK(data.train.size() == 60000);
  CHECK(data.test.size() == 10000);
  CHECK(data.train.height == 28);
  CHECK(data.train.width == 28);
  std::vector<int> counts(10, 0);
  for (const auto label : data.test.labels) ++counts[static_cast<std::size_t>(label)];
  for (const int c : counts) CHECK(c == 1000);  // the test set is balanced by construction
}
