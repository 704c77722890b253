// libFuzzer target: any bytes, written to a file, through the result-file reader (ResultReader,
// summary, read_experiment of every experiment) and the sweep point-file reader. Acceptable
// outcomes: success, ResultFileError or h5::H5Error (one-line "not a result file" messages).
// ResultReader first reads an unsealed file in a forked child (data/isolated_read.hpp), so a
// crash inside libhdf5 comes out as "corrupted HDF5 file", as it does for users; the child's
// coverage is not seen, but the reads repeated here in the fuzzed process are.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "data/result_file.hpp"
#include "sim/sweep/point_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string filename = "/tmp/sgds_fuzz_result_" + std::to_string(::getpid()) + ".h5";
  if (FILE* f = std::fopen(filename.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  } else {
    return 0;
  }
  try {
    const sgds::ResultReader reader(filename);
    const sgds::ResultFileSummary summary = reader.summary();
    for (const auto& name : summary.experiments) (void)reader.read_experiment(name);
  } catch (const sgds::ResultFileError&) {
  } catch (const sgds::h5::H5Error&) {}
  try {
    (void)sgds::read_point_file(filename);
  } catch (const sgds::ResultFileError&) {
  } catch (const sgds::h5::H5Error&) {}
  return 0;
}
