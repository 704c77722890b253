// sgdsmooth sweep SWEEP.toml -o DIR: run a sweep's points (all, one shard's, or one MPI rank's
// share), each recorded durably as DIR/points/pNNNNNNN.h5; `sgdsmooth merge DIR` joins them.
#include <cstdlib>
#include <string>

#include <fmt/format.h>
#ifdef SGDS_HAVE_MPI
#include <mpi.h>
#endif

#include "apps/command.hpp"
#include "data/result_file.hpp"
#include "sim/sweep/sweep_error.hpp"
#include "sim/sweep/sweep_runner.hpp"

namespace sgds::app {
namespace {

struct SweepOptions {
  std::string sweep_file, directory, shard;
  std::vector<std::string> overrides;
  int threads = 0;
  bool resume = false, quiet = false, list = false;
};

const char* environment(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? value : nullptr;
}

// Started by mpirun/srun with more than one process?
bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"})
    if (const char* size = environment(name)) return std::atoi(size) > 1;
  return false;
}

// MPI for the duration of one sweep command, only when launched by mpirun: ranks only learn
// their rank and size; they share no data (each writes its own point files).
class MpiSession {
 public:
  MpiSession() {
    if (!launched_by_mpi()) return;
#ifdef SGDS_HAVE_MPI
    MPI_Init(nullptr, nullptr);
    active_ = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
#else
    throw UsageError(
        "launched by mpirun, but this sgdsmooth was built without MPI (cmake -DSGDS_MPI=ON): every process would run "
        "the same points; use --shard i/N per process or rebuild");
#endif
  }
  ~MpiSession() {
#ifdef SGDS_HAVE_MPI
    if (active_) MPI_Finalize();
#endif
  }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  int rank() const { return rank_; }
  int size() const { return size_; }

 private:
  bool active_ = false;
  int rank_ = 0, size_ = 1;
};

// --shard wins; otherwise a Slurm array task takes its share from the array variables.
SweepWorker shard_of_this_process(const std::string& shard_option) {
  if (!shard_option.empty()) return parse_shard(shard_option);
  const char* task = environment("SLURM_ARRAY_TASK_ID");
  const char* count = environment("SLURM_ARRAY_TASK_COUNT");
  if (!task || !count) return SweepWorker{};
  const char* minimum = environment("SLURM_ARRAY_TASK_MIN");
  long index = 0, first = 0;
  try {
    index = std::stol(task);
    first = minimum ? std::stol(minimum) : 0;
  } catch (const std::exception&) {
    throw SweepError(fmt::format("SLURM_ARRAY_TASK_ID = '{}': expected an integer", task));
  }
  try {
    return parse_shard(fmt::format("{}/{}", index - first, count));
  } catch (const SweepError&) {
    throw SweepError(
        fmt::format("Slurm array task {} (SLURM_ARRAY_TASK_MIN {}, SLURM_ARRAY_TASK_COUNT '{}'): expected task - min "
                    "in [0, count); "
                    "use a contiguous --array=0-{{N-1}} or pass --shard i/N",
                    index, first, count));
  }
}

void list_points(const SweepSpec& spec) {
  fmt::print("{} points = {} cells x {} replicates, seed {}\n", spec.points(), spec.cells(), spec.replicates(),
             spec.seed());
  for (std::int64_t p = 0; p < spec.points(); ++p) {
    const SweepPoint point = spec.point(p);
    fmt::print("point {:>7} cell {:>6} replicate {:>4} seed {:>10}  {}\n", p, point.cell, point.replicate, point.seed,
               fmt::join(point.assignments, " "));
  }
}

void sweep_command(const SweepOptions& options) {
  toml::table document = parse_config_file(options.sweep_file);
  for (const auto& assignment : options.overrides) apply_override(document, assignment);
  const SweepSpec spec = SweepSpec::parse(document);  // every point's config validated here
  if (options.list) {
    list_points(spec);
    return;
  }
  if (options.directory.empty()) throw UsageError("sweep: -o DIR (the sweep folder) is required");

  SweepWorker worker = shard_of_this_process(options.shard);
  const MpiSession mpi;
  worker.rank = mpi.rank();
  worker.ranks = mpi.size();
  const int threads = apply_thread_count(options.threads);

  SweepRunOptions run;
  run.directory = options.directory;
  run.worker = worker;
  run.resume = options.resume;
  run.quiet = options.quiet;
  run.command_line = command_line();
  run.device = cpu_device_description(threads);
  const SweepRunSummary summary = run_sweep(spec, run);
  if (!options.quiet)
    std::fprintf(stderr,
                 "sweep: %s: %lld points run, %lld were already complete; merge with: sgdsmooth merge %s -o FILE.h5\n",
                 worker.describe().c_str(), static_cast<long long>(summary.ran),
                 static_cast<long long>(summary.already_complete), options.directory.c_str());
}

const RegisterCommand registered(15, [](CLI::App& cli) {
  auto options = std::make_shared<SweepOptions>();
  CLI::App* sweep =
      cli.add_subcommand("sweep", "Run a sweep (grid x zipped lists x replicates) into a folder of point files");
  sweep->add_option("sweep", options->sweep_file, "Sweep file (TOML): a run config plus a [sweep] table")->required();
  sweep->add_option("-o,--output", options->directory, "Sweep folder (shared by all shards and ranks)");
  sweep->add_option("--shard", options->shard,
                    "Run share i of N (0-based), e.g. 2/8; default: from SLURM_ARRAY_TASK_ID/COUNT, else all");
  sweep->add_flag("--resume", options->resume, "Keep the points already complete in the folder and run the rest");
  sweep->add_flag("--list", options->list, "Print the points (index, cell, replicate, seed, values) and exit");
  sweep->add_option("--threads", options->threads, "OpenMP threads per process (0 = all cores)");
  sweep->add_option("--set", options->overrides, "Override a key of the sweep file: path.to.key=value, repeatable");
  sweep->add_flag("-q,--quiet", options->quiet, "No progress lines");
  sweep->footer(
      "Examples:\n"
      "  sgdsmooth sweep configs/sweep_example.toml -o runs/demo        all points here\n"
      "  sgdsmooth sweep S.toml -o DIR --shard 1/4                      the second of four shares\n"
      "  mpirun -np 8 sgdsmooth sweep S.toml -o DIR                     points over ranks (SGDS_MPI=ON)\n"
      "  sgdsmooth sweep S.toml -o DIR --resume                         after a crash: only missing points\n"
      "  sgdsmooth merge DIR -o sweep.h5                                one file, same for any sharding");
  sweep->callback([options] { sweep_command(*options); });
});

}  // namespace
}  // namespace sgds::app
