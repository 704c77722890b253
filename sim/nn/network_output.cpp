#include "sim/nn/network_output.hpp"

#include <cmath>

#include "data/result_file.hpp"
#include "theory/schedules.hpp"

namespace sgds::nn {

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
  g.set_attribute("delta_convention", "delta = eta sqrt(c2) / sqrt(b), c2 = trace of the per-sample gradient "
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
  g.set_dataset_attribute("eta", "description", "the epoch's learning rate");
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
  const h5::Group final = g.create_group("final");
  write_index_scale(final, "replica", K, "replica index (the key of its initial weights and batches)");
  for (const auto& t : result.final) {
    final.write(t.name, t.values, {K});
    final.set_dataset_attribute(t.name, "description", t.description);
    final.attach_dimension_scale(t.name, "replica", 0);
  }
}

}  // namespace sgds::nn
