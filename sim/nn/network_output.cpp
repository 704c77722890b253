#include "sim/nn/network_output.hpp"

#include <cmath>

#include "data/result_file.hpp"
#include "theory/schedules.hpp"

namespace sgds::nn {
namespace {

// /networks/RUN/landscape (measure.landscape): one entry per sliced replica along `slice`.
void write_landscapes(const h5::Group& run, const TrainResult& result, const TrainSpec& spec) {
  const LandscapeSpec& l = spec.measure.landscape;
  const h5::Group g = run.create_group("landscape");
  g.set_attribute("directions", std::string(landscape_directions_name(l.directions)));
  g.set_attribute("description",
                  std::string(l.directions == LandscapeDirections::pca
                                  ? "top two principal directions of the replica's iterates (unit vectors)"
                                  : "two Gaussian directions, filter-normalised (biases 0)"));
  g.set_attribute("samples", static_cast<std::int64_t>(l.samples));
  g.set_attribute("sample_groups", static_cast<std::int64_t>(l.samples / kLandscapeGroup));
  g.set_attribute("centre", std::string("each replica's final weights"));
  const auto S = static_cast<std::uint64_t>(result.landscapes.size());
  const auto G = static_cast<std::uint64_t>(l.points);
  const auto rows = static_cast<std::uint64_t>(result.epochs + 1);
  std::vector<std::int64_t> replica, epoch(rows);
  std::vector<double> coordinate, span, loss, loss_se, trajectory, off_plane, explained, norm;
  for (std::uint64_t e = 0; e < rows; ++e) epoch[e] = static_cast<std::int64_t>(e);
  for (const Landscape& s : result.landscapes) {
    replica.push_back(s.replica);
    span.push_back(s.span);
    coordinate.insert(coordinate.end(), s.coordinates.begin(), s.coordinates.end());
    loss.insert(loss.end(), s.loss.begin(), s.loss.end());
    loss_se.insert(loss_se.end(), s.loss_se.begin(), s.loss_se.end());
    trajectory.insert(trajectory.end(), s.trajectory.begin(), s.trajectory.end());
    off_plane.insert(off_plane.end(), s.off_plane.begin(), s.off_plane.end());
    explained.insert(explained.end(), s.explained.begin(), s.explained.end());
    norm.insert(norm.end(), s.direction_norm.begin(), s.direction_norm.end());
  }
  g.write("replica", replica, {S});
  g.make_dimension_scale("replica", "slice");
  g.set_dataset_attribute("replica", "description", "the replica each slice is of");
  g.write("epoch", epoch, {rows});
  g.make_dimension_scale("epoch", "epoch");
  const auto put = [&](const char* name, const std::vector<double>& values, std::vector<std::uint64_t> dims,
                       const char* description, std::vector<const char*> scales) {
    g.write(name, values, dims);
    g.set_dataset_attribute(name, "description", description);
    for (std::size_t k = 0; k < scales.size(); ++k)
      if (scales[k] != nullptr) g.attach_dimension_scale(name, scales[k], static_cast<unsigned>(k));
  };
  put("span", span, {S}, "half-width of the grid along both directions", {"replica"});
  put("coordinate", coordinate, {S, G}, "grid coordinates along each direction (0: the final weights)",
      {"replica", nullptr});
  put("loss", loss, {S, G, G},
      "mean training cross-entropy at theta_E + coordinate[i] d1 + coordinate[j] d2 over `samples` samples",
      {"replica", nullptr, nullptr});
  put("loss_se", loss_se, {S, G, G}, "standard error of loss (between the means of groups of 32 samples)",
      {"replica", nullptr, nullptr});
  put("trajectory", trajectory, {S, rows, 2},
      "each epoch's weights in (d1, d2) coordinates (least squares), row 0 the start", {"replica", "epoch", nullptr});
  put("off_plane", off_plane, {S, rows},
      "share of ||theta_e - theta_E|| outside the plane: ||residual|| / ||theta_e - theta_E||", {"replica", "epoch"});
  put("explained_variance", explained, {S, 2},
      "pca: each direction's share of the iterates' variance (NaN for random directions)", {"replica", nullptr});
  put("direction_norm", norm, {S, 2}, "||d1||, ||d2||", {"replica", nullptr});
}

// /networks/RUN/trace (measure.trace): the whole training set's loss and gradient norm at each
// check, and the first-reach cost of each target.
void write_trace(const h5::Group& run, const TrainResult& result, const TrainSpec& spec) {
  const TraceSpec& t = spec.measure.trace;
  const TrainingTrace& trace = result.trace;
  const h5::Group g = run.create_group("trace");
  g.set_attribute("every_samples", t.every_samples);
  g.set_attribute("description",
                  std::string("f(w) and ||grad f(w)|| over every training sample, checked at the end of the first "
                              "update whose running sample count reaches each multiple of every_samples"));
  const auto C = static_cast<std::uint64_t>(trace.checks());
  const auto K = static_cast<std::uint64_t>(result.replicas);
  write_index_scale(g, "replica", K, "replica index (the key of its initial weights and batches)");
  g.write("samples", trace.samples, {C});
  g.make_dimension_scale("samples", "check");
  g.set_dataset_attribute("samples", "description",
                          "training samples used by the updates before the check: the stochastic first-order "
                          "oracle cost (per-sample gradients)");
  g.write("steps", trace.step, {C});
  g.set_dataset_attribute("steps", "description", "updates before the check");
  g.attach_dimension_scale("steps", "samples", 0);
  const auto put = [&](const char* name, const std::vector<double>& values, std::uint64_t rows, const char* scale,
                       const char* description) {
    g.write(name, values, {rows, K});
    g.set_dataset_attribute(name, "description", description);
    g.attach_dimension_scale(name, scale, 0);
    g.attach_dimension_scale(name, "replica", 1);
  };
  put("loss", trace.loss, C, "samples", "f(w): mean cross-entropy over every training sample");
  put("gradient_norm", trace.gradient_norm, C, "samples", "||grad f(w)|| over every training sample");
  const auto targets = [&](const char* kind, const std::vector<double>& values, const std::vector<double>& sfo,
                           const std::vector<double>& steps) {
    const auto T = static_cast<std::uint64_t>(values.size());
    const std::string scale = std::string(kind) + "_target";
    g.write(scale, values, {T});
    g.make_dimension_scale(scale, scale);
    g.set_dataset_attribute(scale, "description", std::string("measure.trace.") + kind + "_targets");
    put((std::string(kind) + "_sfo").c_str(), sfo, T, scale.c_str(),
        "samples at the first check at or below the target (NaN: not within the run)");
    put((std::string(kind) + "_steps").c_str(), steps, T, scale.c_str(), "updates at that check (NaN: not reached)");
  };
  if (!t.loss_targets.empty()) targets("loss", t.loss_targets, trace.loss_sfo, trace.loss_steps);
  if (!t.gradient_norm_targets.empty())
    targets("gradient_norm", t.gradient_norm_targets, trace.gradient_norm_sfo, trace.gradient_norm_steps);
}

}  // namespace

void write_training_run(const h5::Group& networks, const TrainResult& result, const TrainSpec& spec,
                        const TrainConfig& config) {
  const h5::Group g = networks.create_group(result.name);
  g.set_attribute("architecture", result.architecture);
  g.set_attribute("optimizer", result.optimizer);
  g.set_attribute("momentum", spec.momentum);
  g.set_attribute("schedule_kind", schedule_kind_name(spec.schedule.kind));
  g.set_attribute("replicas", static_cast<std::int64_t>(result.replicas));
  g.set_attribute("epochs", static_cast<std::int64_t>(result.epochs));
  g.set_attribute("parameters", static_cast<std::int64_t>(result.parameters));
  g.set_attribute("train_samples", static_cast<std::int64_t>(result.train_samples));
  g.set_attribute("data_source", config.data.source);
  g.set_attribute("evaluated_on", config.data.evaluate_on);
  g.set_attribute("precision", config.device == "cuda"
                                   ? "float32 training on the GPU, GEMMs " +
                                         matmul_precision_description(config.matmul_precision) +
                                         "; float64 curvature and sharpness (CPU)"
                                   : std::string("float32 training, float64 curvature and sharpness"));
  g.set_attribute("delta_convention",
                  "delta = eta sqrt(c2) / sqrt(b), c2 = trace of the per-sample gradient "
                  "covariance (E||u||^2 = 1); delta_per_coordinate = delta / sqrt(parameters)");
  g.set_attribute("sharpness_rho", spec.measure.sharpness_rho);
  g.set_attribute("average_rho", spec.measure.average_rho);
  g.set_attribute("seconds", result.seconds);
  g.set_attribute("drop_last", static_cast<std::int64_t>(spec.drop_last ? 1 : 0));
  g.set_attribute("diverged_replicas", static_cast<std::int64_t>(diverged_replicas(result)));

  const auto rows = static_cast<std::uint64_t>(result.epochs + 1);
  const auto K = static_cast<std::uint64_t>(result.replicas);
  std::vector<std::int64_t> epoch(rows);
  for (std::uint64_t e = 0; e < rows; ++e) epoch[e] = static_cast<std::int64_t>(e);
  g.write("epoch", epoch, {rows});
  g.make_dimension_scale("epoch", "epoch");
  write_index_scale(g, "replica", K, "replica index (the key of its initial weights and batches)");
  g.write("steps", result.steps, {rows});
  g.set_dataset_attribute("steps", "description", "cumulative parameter updates at the end of the epoch");
  g.write("eta", result.eta, {rows});
  g.set_dataset_attribute("eta", "description",
                          "the epoch's learning rate (under a warm-up, the mean over the epoch's updates)");
  g.write("batch", result.batch, {rows});
  g.set_dataset_attribute("batch", "description", "the epoch's batch size");
  g.write("smith_g", result.smith_g, {rows});
  g.set_dataset_attribute("smith_g", "description", "Smith et al.'s noise scale eta (n/b - 1)");
  for (const char* name : {"steps", "eta", "batch", "smith_g"}) g.attach_dimension_scale(name, "epoch", 0);
  for (const auto& t : result.per_epoch) {
    g.write(t.name, t.values, {rows, K});
    g.set_dataset_attribute(t.name, "description", t.description);
    g.attach_dimension_scale(t.name, "epoch", 0);
    g.attach_dimension_scale(t.name, "replica", 1);
  }
  if (!result.landscapes.empty()) write_landscapes(g, result, spec);
  if (spec.measure.trace.on()) write_trace(g, result, spec);
  const h5::Group final = g.create_group("final");
  write_index_scale(final, "replica", K, "replica index (the key of its initial weights and batches)");
  for (const auto& t : result.final) {
    final.write(t.name, t.values, {K});
    final.set_dataset_attribute(t.name, "description", t.description);
    final.attach_dimension_scale(t.name, "replica", 0);
  }
}

}  // namespace sgds::nn
