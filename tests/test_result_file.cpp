// Result files: written whole or not at all, provenance on the root, schema version checked on read.
#include <catch2/catch.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "data/file_seal.hpp"
#include "data/h5.hpp"
#include "data/result_file.hpp"

#include <hdf5_hl.h>

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

std::vector<char> bytes_of(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& file, const std::vector<char>& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

fs::path committed_file(const std::string& name) {
  const fs::path file = scratch(name);
  ResultWriter writer(file.string(), ResultKind::run, Provenance{"x", "seed = 1\n", 1, "cpu"});
  writer.write_experiment(small_result());
  writer.commit();
  return file;
}

// Remove the seal's magic: the file then reads as one written before seals, or never completed.
void strip_seal(const fs::path& file) {
  std::vector<char> bytes = bytes_of(file);
  std::memset(bytes.data(), 0, kSealBytes);
  write_bytes(file, bytes);
}

}  // namespace

TEST_CASE("a committed file round-trips provenance and statistics") {
  const fs::path file = scratch("roundtrip.h5");
  {
    ResultWriter writer(file.string(), ResultKind::run, Provenance{"sgdsmooth test", "seed = 1\n", 1, "cpu: test"});
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
    ResultWriter writer(file.string(), ResultKind::run, Provenance{"x", "", 0, "cpu"});
    writer.write_experiment(small_result());
  }
  CHECK_FALSE(fs::exists(file));
  for (const auto& entry : fs::directory_iterator(file.parent_path()))
    CHECK(entry.path().filename().string().find("abandoned.h5.partial") == std::string::npos);
}

TEST_CASE("the reader refuses a newer schema major version with a clear message") {
  const fs::path file = scratch("future.h5");
  {
    ResultWriter writer(file.string(), ResultKind::run, Provenance{"x", "", 0, "cpu"});
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
  // Changed after sealing: refused as corrupted, before libhdf5 reads it.
  CHECK_THROWS_WITH(ResultReader(file.string()), Catch::Contains("is corrupted (checksum mismatch"));
  write_seal(file.string(), "run");  // as a future sgdsmooth would seal it
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
  {
    std::FILE* f = std::fopen(text.c_str(), "w");
    std::fputs("not hdf5", f);
    std::fclose(f);
  }
  CHECK_THROWS_WITH(ResultReader(text.string()), Catch::Contains("is not a readable HDF5 file"));
  CHECK_THROWS_WITH(ResultReader(scratch("missing.h5").string()), Catch::Contains("No such file or directory"));
  CHECK_THROWS_WITH(ResultReader(scratch("").string()), Catch::Contains("is a folder; expected a regular file"));
}

TEST_CASE("an unwritable output location is a clear error") {
  CHECK_THROWS_WITH(ResultWriter("/proc/sgds_cannot_write_here/x.h5", ResultKind::run, Provenance{"x", "", 0, "cpu"}),
                    Catch::Contains("cannot write '/proc/sgds_cannot_write_here/x.h5'"));
}

TEST_CASE("the reader refuses files that crash libhdf5 with one line naming them") {
  // Fuzzing finds (a corrupted global heap makes H5HG_read segfault): refused after a trial read in
  // a child process instead of taking this process down.
  int files = 0;
  for (const auto& entry : fs::directory_iterator(fs::path(SGDS_TEST_DATA_DIR) / "fuzz_crashes")) {
    const std::string file = entry.path().string();
    CHECK_THROWS_WITH(ResultReader(file),
                      Catch::StartsWith("'" + file + "': corrupted HDF5 file (") && !Catch::Contains("\n"));
    ++files;
  }
  CHECK(files >= 1);
}

TEST_CASE("the reader refuses a file whose groups form a link cycle") {
  // HDF5 allows a hard link to an ancestor; inspect's recursive listing would never end.
  const fs::path file = scratch("cycle.h5");
  {
    ResultWriter writer(file.string(), ResultKind::run, Provenance{"x", "", 0, "cpu"});
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
  strip_seal(file);  // unsealed, so the reader's trial read in a child walks it
  CHECK_THROWS_WITH(ResultReader(file.string()),
                    Catch::Contains("corrupted HDF5 file (groups nested more than 64 deep"));
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

TEST_CASE("a one-value attribute read refuses an attribute holding several values") {
  // H5Aread writes every value: reading three strings or doubles into one would write past it.
  const fs::path file = scratch("array_attributes.h5");
  h5::File f = h5::File::create(file.string());
  const hsize_t three = 3;
  const hid_t space = H5Screate_simple(1, &three, nullptr);
  const double numbers[3] = {1.0, 2.0, 3.0};
  const hid_t number = H5Acreate2(f.root().id(), "eta", H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(H5Awrite(number, H5T_NATIVE_DOUBLE, numbers) >= 0);
  H5Aclose(number);
  const hid_t string_type = H5Tcopy(H5T_C_S1);
  H5Tset_size(string_type, H5T_VARIABLE);
  const char* texts[3] = {"sgdsmooth-result", "b", "c"};
  const hid_t text = H5Acreate2(f.root().id(), "filetype", string_type, space, H5P_DEFAULT, H5P_DEFAULT);
  REQUIRE(H5Awrite(text, string_type, texts) >= 0);
  H5Aclose(text);
  H5Tclose(string_type);
  H5Sclose(space);
  CHECK_THROWS_WITH(f.root().attribute_double("eta"), Catch::Contains("/@eta holds 3 values; expected one number"));
  CHECK_THROWS_WITH(f.root().attribute_string("filetype"),
                    Catch::Contains("/@filetype holds 3 values; expected one string"));
  CHECK(f.root().attribute_as_text("eta") == "[1, 2, 3]");
  f.close();
  CHECK_THROWS_WITH(
      ResultReader(file.string()),
      Catch::Contains("is not a readable sgdsmooth result file (HDF5: attribute /@filetype holds 3 values"));
}

TEST_CASE("the seal catches any changed, missing or added byte") {
  const fs::path file = committed_file("sealed.h5");
  const SealCheck whole = check_seal(file.string());
  REQUIRE(whole.state == SealState::sealed);
  CHECK(whole.kind == "run");
  const std::vector<char> bytes = bytes_of(file);
  CHECK(whole.bytes == bytes.size());
  const fs::path damaged = scratch("damaged.h5");
  // One flipped bit at many places, the seal's own bytes and its zero padding included.
  int flips = 0;
  for (std::size_t at = 0; at < bytes.size(); at += 97) {
    std::vector<char> copy = bytes;
    copy[at] = static_cast<char>(copy[at] ^ (1 << (at % 8)));
    write_bytes(damaged, copy);
    const SealCheck check = check_seal(damaged.string());
    CHECK(check.state != SealState::sealed);
    ++flips;
  }
  CHECK(flips > 20);
  std::vector<char> shorter(bytes.begin(), bytes.end() - 1), longer = bytes;
  longer.push_back('\0');
  write_bytes(damaged, shorter);
  CHECK(check_seal(damaged.string()).problem ==
        "1 bytes short of the " + std::to_string(bytes.size()) + " it was sealed with");
  write_bytes(damaged, longer);
  CHECK(check_seal(damaged.string()).state == SealState::broken);
  std::vector<char> zeroed = bytes;
  std::fill(zeroed.begin() + 4096, zeroed.begin() + 8192, '\0');
  write_bytes(damaged, zeroed);
  CHECK(check_seal(damaged.string()).problem.rfind("checksum mismatch", 0) == 0);
  CHECK_THROWS_WITH(ResultReader(damaged.string()),
                    Catch::Contains("is corrupted (checksum mismatch") && !Catch::Contains("\n"));
}

TEST_CASE("an unsealed file of a sealing schema is refused as never completed") {
  const fs::path file = committed_file("stripped.h5");
  strip_seal(file);
  CHECK(check_seal(file.string()).state == SealState::unsealed);
  CHECK_THROWS_WITH(ResultReader(file.string()), Catch::Contains("has no seal although schema 1."));
}

TEST_CASE("every dataset carries HDF5's Fletcher32 checksum, which any read verifies") {
  const fs::path file = committed_file("fletcher.h5");
  const hid_t id = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  REQUIRE(id >= 0);
  const hid_t dataset = H5Dopen2(id, "/experiments/demo/f_mean", H5P_DEFAULT);
  const hid_t dcpl = H5Dget_create_plist(dataset);
  CHECK(H5Pget_layout(dcpl) == H5D_CHUNKED);
  bool fletcher = false;
  for (int i = 0; i < H5Pget_nfilters(dcpl); ++i) {
    unsigned flags = 0;
    std::size_t n = 0;
    fletcher |= H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &n, nullptr, 0, nullptr, nullptr) ==
                H5Z_FILTER_FLETCHER32;
  }
  CHECK(fletcher);
  // Where the chunk's bytes are, to damage them as a failing disk would.
  haddr_t address = 0;
  hsize_t size = 0;
  unsigned mask = 0;
  hsize_t offset[1] = {0};
  REQUIRE(H5Dget_chunk_info_by_coord(dataset, offset, &mask, &address, &size) >= 0);
  H5Pclose(dcpl);
  H5Dclose(dataset);
  H5Fclose(id);
  std::vector<char> bytes = bytes_of(file);
  const std::size_t at = kSealBytes + address + 3;  // HDF5 addresses start after the user block
  bytes[at] = static_cast<char>(bytes[at] ^ 0x40);
  write_bytes(file, bytes);
  write_seal(file.string(), "run");  // the seal taken after the damage: only HDF5's checksum can tell
  const ResultReader reader(file.string());
  CHECK_THROWS(reader.root().open_group("experiments").open_group("demo").read_doubles("f_mean"));
  const VerifyReport report = verify_result_file(file.string());
  CHECK_FALSE(report.ok);
  CHECK_THAT(report.problem, Catch::Contains("f_mean"));
}

TEST_CASE("a writer extending a sealed file keeps its groups and replaces its incomplete mark") {
  const fs::path first = scratch("first.h5");
  {
    ResultWriter writer(first.string(), ResultKind::run, Provenance{"first", "seed = 1\n", 1, "cpu"});
    writer.write_experiment(small_result());
    writer.mark_incomplete("1 of 2 experiments done");
    writer.commit();
  }
  const fs::path second = scratch("second.h5");
  {
    ExperimentResult other = small_result();
    other.name = "other";
    ResultWriter writer(second.string(), ResultKind::run, Provenance{"second", "seed = 1\n", 1, "cpu"}, first.string());
    writer.write_experiment(other);
    writer.commit();
  }
  const ResultReader reader(second.string());
  CHECK(reader.seal().state == SealState::sealed);
  CHECK(reader.summary().experiments == std::vector<std::string>{"demo", "other"});
  CHECK_FALSE(reader.root().has_attribute("incomplete"));
  CHECK(reader.root().attribute_string("command_line") == "second");
  CHECK(reader.read_experiment("demo").observable("x2").mean == std::vector<double>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("a copied group keeps its datasets, attributes and dimension scales") {
  const fs::path source = committed_file("copy_source.h5");
  const fs::path target = scratch("copy_target.h5");
  {
    const h5::File in = h5::File::open_read(source.string());
    h5::File out = h5::File::create(target.string());
    out.root().copy_from(in.root().open_group("experiments"), "demo", "copied");
    in.root().open_group("experiments").open_group("demo").copy_attributes_to(out.root());
    out.close_checked();
  }
  const h5::File back = h5::File::open_read(target.string());
  const h5::Group copied = back.root().open_group("copied");
  CHECK(copied.read_doubles("x2_mean") == std::vector<double>{1, 2, 3, 4, 5, 6});
  CHECK(copied.attribute_double("schedule.eta") == 0.1);
  CHECK(back.root().attribute_string("problem.name") == "quadratic");
  const hid_t dataset = H5Dopen2(copied.id(), "f_mean", H5P_DEFAULT);
  const hid_t scale = H5Dopen2(copied.id(), "step", H5P_DEFAULT);
  CHECK(H5DSis_attached(dataset, scale, 0) > 0);  // the copy's axis is the copy's scale
  H5Dclose(scale);
  H5Dclose(dataset);
}
