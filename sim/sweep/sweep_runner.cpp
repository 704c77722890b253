#include "sim/sweep/sweep_runner.hpp"

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "data/interruption.hpp"
#include "data/result_file.hpp"
#include "sim/sweep/point_file.hpp"
#include "sim/sweep/sweep_error.hpp"

namespace sgds {

std::string SweepWorker::describe() const { return fmt::format("shard {}/{}, rank {}/{}", shard, shards, rank, ranks); }

std::vector<std::int64_t> worker_points(std::int64_t points, const SweepWorker& worker) {
  std::vector<std::int64_t> mine;
  std::int64_t position_in_shard = 0;
  for (std::int64_t p = worker.shard; p < points; p += worker.shards, ++position_in_shard)
    if (position_in_shard % worker.ranks == worker.rank) mine.push_back(p);
  return mine;
}

SweepWorker parse_shard(const std::string& text) {
  const auto slash = text.find('/');
  SweepWorker worker;
  try {
    std::size_t used_index = 0, used_count = 0;
    if (slash == std::string::npos) throw std::invalid_argument("no slash");
    const long index = std::stol(text.substr(0, slash), &used_index);
    const long count = std::stol(text.substr(slash + 1), &used_count);
    if (used_index != slash || used_count != text.size() - slash - 1 || count < 1 || count > 1000000 || index < 0 ||
        index >= count)
      throw std::invalid_argument("range");
    worker.shard = static_cast<int>(index);
    worker.shards = static_cast<int>(count);
  } catch (const std::exception&) {
    throw SweepError(fmt::format("shard '{}': expected i/N with 0 <= i < N <= 1000000 (e.g. 0/4)", text));
  }
  return worker;
}

SweepRunSummary run_sweep(const SweepSpec& spec, const SweepRunOptions& options) {
  const SweepDirectory folder(options.directory);
  folder.prepare(spec);
  const std::vector<std::int64_t> mine = worker_points(spec.points(), options.worker);

  SweepRunSummary summary;
  summary.assigned = static_cast<std::int64_t>(mine.size());
  std::vector<std::int64_t> missing;
  for (std::int64_t p : mine) {
    if (folder.point_complete(p)) ++summary.already_complete;
    else missing.push_back(p);
  }
  // A point counts as complete only when its file is verified: sealed, whole and this sweep's.
  if (options.resume)
    for (std::int64_t p : mine)
      if (folder.point_complete(p)) verify_sweep_point(folder.point_path(p), spec, p);
  if (summary.already_complete > 0 && !options.resume)
    throw SweepError(fmt::format(
        "sweep folder '{}' already holds {} of the {} points of {}; pass --resume to keep them and run the rest",
        options.directory, summary.already_complete, summary.assigned, options.worker.describe()));

  const bool several = options.worker.shards > 1 || options.worker.ranks > 1;
  const std::string who = several ? fmt::format("[{}] ", options.worker.describe()) : std::string();
  if (!options.quiet)
    std::fprintf(stderr, "sweep: %s%lld points of %lld to run, %lld already complete\n", who.c_str(),
                 static_cast<long long>(missing.size()), static_cast<long long>(spec.points()),
                 static_cast<long long>(summary.already_complete));

  for (std::int64_t index : missing) {
    const auto start = std::chrono::steady_clock::now();
    const SweepPoint point = spec.point(index);
    const toml::table document = spec.point_document(point);
    const RunConfig config = parse_run_config(document);

    PointRecord record;
    record.point = point;
    record.config_text = to_toml_text(document);
    record.device = options.device;
    record.computed_by = options.worker.describe();
    for (const auto& experiment : config.experiments)
      record.experiments.push_back(run_experiment(experiment, config.seed, true));

    // Durable before complete: written, sealed and fsynced under .staging, checked, then renamed into points/.
    folder.remove_stale_staging(index);
    try {
      write_point_file(folder.staging_path(index), record, options.command_line);
      verify_sweep_point(folder.staging_path(index), spec, index);
    } catch (const std::exception& e) {
      folder.remove_stale_staging(index);
      throw SweepError(fmt::format("sweep point {}: cannot record it in '{}' (disk full or not writable?): {}", index,
                                   folder.points_folder(), e.what()));
    }
    folder.publish(index);
    ++summary.ran;
    interruption::set_kept_message(fmt::format(
        "the {} points recorded complete in '{}' are kept ({} of them by this command); sgdsmooth sweep ... -o {} "
        "--resume runs the rest",
        summary.ran + summary.already_complete, folder.points_folder(), summary.ran, options.directory));

    if (!options.quiet) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      std::fprintf(
          stderr, "sweep: %spoint %lld done (%lld/%lld here) cell %lld replicate %lld seed %u: %s (%.2f s)\n",
          who.c_str(), static_cast<long long>(index), static_cast<long long>(summary.ran + summary.already_complete),
          static_cast<long long>(summary.assigned), static_cast<long long>(point.cell),
          static_cast<long long>(point.replicate), point.seed,
          point.assignments.empty() ? "(replicate only)" : fmt::format("{}", fmt::join(point.assignments, " ")).c_str(),
          seconds);
    }
  }
  return summary;
}

}  // namespace sgds
