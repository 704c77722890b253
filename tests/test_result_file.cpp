// Result files: written whole or not at all, provenance on the root, schema version checked on read.
#include <catch2/catch.hpp>

#include <filesystem>

#include "data/h5.hpp"
#include "data/result_file.hpp"

using namespace sgds;
namespace fs = std::filesystem;

namespace {

fs::path scratch(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("sgds_test_result_file_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

ExperimentResult small_result() {
  ExperimentResult r;
  r.name = "demo";
  r.parameters["schedule.eta"] = 0.1;
  r.parameters["problem.name"] = std::string("quadratic");
  r.steps = {0, 5, 10};
  r.diverged = {0, 0, 1};
  ObservableSeries f{"f", "objective", 1, {1.0, 0.5, 0.25}, {0.0, 0.1, 0.05}, {4, 4, 3}};
  ObservableSeries x2{"x2", "squares", 2, {1, 2, 3, 4, 5, 6}, {0, 0, .1, .2, .3, .4}, {4, 4, 3}};
  r.series = {f, x2};
  return r;
}

}  // namespace

TEST_CASE("a committed file round-trips provenance and statistics") {
  const fs::path file = scratch("roundtrip.h5");
  {
    ResultWriter writer(file.string(), Provenance{"sgdsmooth test", "seed = 1\n", 1, "cpu: test"});
    writer.write_experiment(small_result());
    CHECK_FALSE(fs::exists(file));  // nothing under the final name before commit
    writer.commit();
  }
  REQUIRE(fs::exists(file));
  ResultReader reader(file.string());
  const ResultFileSummary summary = reader.summary();
  CHECK(summary.schema_major == kSchemaMajor);
  CHECK(summary.experiments == std::vector<std::string>{"demo"});
  const ExperimentResult back = reader.read_experiment("demo");
  CHECK(back.steps == std::vector<std::int64_t>{0, 5, 10});
  CHECK(back.diverged == std::vector<std::int64_t>{0, 0, 1});
  CHECK(back.observable("x2").width == 2);
  CHECK(back.observable("x2").mean == std::vector<double>{1, 2, 3, 4, 5, 6});
  CHECK(back.observable("f").standard_error == std::vector<double>{0.0, 0.1, 0.05});
  const h5::Group root = reader.root();
  CHECK(root.attribute_string("command_line") == "sgdsmooth test");
  CHECK(root.attribute_string("config") == "seed = 1\n");
  CHECK(root.attribute_string("device") == "cpu: test");
  CHECK(root.has_attribute("git_sha"));
  CHECK(root.has_attribute("created"));
  CHECK(root.open_group("experiments").open_group("demo").attribute_double("schedule.eta") == 0.1);
}

TEST_CASE("an uncommitted writer leaves no file behind") {
  const fs::path file = scratch("abandoned.h5");
  {
    ResultWriter writer(file.string(), Provenance{"x", "", 0, "cpu"});
    writer.write_experiment(small_result());
  }
  CHECK_FALSE(fs::exists(file));
  for (const auto& entry : fs::directory_iterator(file.parent_path()))
    CHECK(entry.path().filename().string().find("abandoned.h5.partial") == std::string::npos);
}

TEST_CASE("the reader refuses a newer schema major version with a clear message") {
  const fs::path file = scratch("future.h5");
  {
    ResultWriter writer(file.string(), Provenance{"x", "", 0, "cpu"});
    writer.commit();
  }
  {
    // Rewrite the version as a future sgdsmooth would.
    hid_t id = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(id >= 0);
    h5::Group root(h5::Handle(H5Gopen2(id, "/", H5P_DEFAULT), H5Gclose), "/");
    root.set_attribute("schema_version", std::vector<std::int64_t>{kSchemaMajor + 1, 0});
    H5Fclose(id);
  }
  CHECK_THROWS_WITH(ResultReader(file.string()), Catch::Contains("has schema version 2.0; this sgdsmooth reads 1.x"));
}

TEST_CASE("the reader refuses foreign HDF5 files and non-HDF5 files") {
  const fs::path foreign = scratch("foreign.h5");
  {
    h5::File f = h5::File::create(foreign.string());
    f.root().set_attribute("filetype", "something-else");
  }
  CHECK_THROWS_WITH(ResultReader(foreign.string()), Catch::Contains("is not an sgdsmooth result file"));
  const fs::path text = scratch("text.h5");
  { std::FILE* f = std::fopen(text.c_str(), "w"); std::fputs("not hdf5", f); std::fclose(f); }
  CHECK_THROWS_WITH(ResultReader(text.string()), Catch::Contains("is not a readable HDF5 file"));
  CHECK_THROWS_WITH(ResultReader(scratch("missing.h5").string()), Catch::Contains("is not a readable HDF5 file"));
}

TEST_CASE("an unwritable output location is a clear error") {
  CHECK_THROWS_WITH(ResultWriter("/proc/sgds_cannot_write_here/x.h5", Provenance{"x", "", 0, "cpu"}),
                    Catch::Contains("cannot write output file"));
}

TEST_CASE("the reader refuses files that crash libhdf5 with one line naming them") {
  // Fuzzing finds (a corrupted global heap makes H5HG_read segfault): refused after a trial read in
  // a child process instead of taking this process down.
  int files = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(SGDS_TEST_DATA_DIR) / "fuzz_crashes")) {
    const std::string file = entry.path().string();
    CHECK_THROWS_WITH(ResultReader(file), Catch::StartsWith("'" + file + "': corrupted HDF5 file (") &&
                                              !Catch::Contains("\n"));
    ++files;
  }
  CHECK(files >= 1);
}

TEST_CASE("the reader refuses a file whose groups form a link cycle") {
  // HDF5 allows a hard link to an ancestor; inspect's recursive listing would never end.
  const fs::path file = scratch("cycle.h5");
  {
    ResultWriter writer(file.string(), Provenance{"x", "", 0, "cpu"});
    writer.write_experiment(small_result());
    writer.commit();
  }
  CHECK_NOTHROW(ResultReader(file.string()));  // whole before the link
  {
    const hid_t id = H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    REQUIRE(id >= 0);
    REQUIRE(H5Lcreate_hard(id, "/", id, "/experiments/demo/back_to_root", H5P_DEFAULT, H5P_DEFAULT) >= 0);
    H5Fclose(id);
  }
  CHECK_THROWS_WITH(ResultReader(file.string()), Catch::Contains("corrupted HDF5 file (groups nested more than 64 deep"));
}

TEST_CASE("an attribute without any value prints as an empty list") {
  const fs::path file = scratch("null_attribute.h5");
  h5::File f = h5::File::create(file.string());
  const hid_t space = H5Screate(H5S_NULL);
  const hid_t attribute = H5Acreate2(f.root().id(), "nothing", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(attribute >= 0);
  H5Aclose(attribute);
  H5Sclose(space);
  CHECK(f.root().attribute_as_text("nothing") == "[]");
}
