#include "core/catalogue.hpp"

namespace sgds {

std::vector<CatalogueEntry>& catalogue() {
  static std::vector<CatalogueEntry> entries;
  return entries;
}

RegisterCatalogueEntry::RegisterCatalogueEntry(CatalogueEntry entry) { catalogue().push_back(std::move(entry)); }

namespace {
// The engine's own entries (sim/experiment.cpp reads these names); functions, kernels and
// schedules are registered by theory/.
const RegisterCatalogueEntry entries[] = {
    RegisterCatalogueEntry(
        {"problems", "linear_shift", "finite sum f_i = f + a_i'x, sum a_i = 0: x-independent mini-batch noise",
         "keys: base = { a function table }, samples (64), shift_scale (1.0; a_i ~ N(0, s^2 I), centred), "
         "data_seed (1); C^2 = mean ||a_i||^2 exactly"}),
    RegisterCatalogueEntry(
        {"problems", "quadratic_centres", "finite sum f_i = (a/2) ||x - c_i||^2",
         "keys: dim (1), a (1.0), samples (64), spread (1.0; c_i ~ N(0, spread^2 I)), data_seed (1)"}),
    RegisterCatalogueEntry(
        {"problems", "teacher_student",
         "finite sum: one-hidden-layer tanh student fit to a tanh teacher on n Gaussian inputs",
         "keys: inputs (4), hidden (3), samples (256), teacher_scale (1.0), label_noise (0.0), data_seed (1); "
         "dim = hidden*(inputs+1); the noise variance depends on x"}),
    RegisterCatalogueEntry(
        {"problems", "data", "finite sum of your data: least squares or logistic loss per sample (CSV or HDF5)",
         "keys: file (CSV, header optional; or HDF5), loss (least_squares | logistic, y in {0, 1}), target "
         "(CSV: column name, default the last; HDF5: dataset, default targets), features (HDF5 only: a "
         "2-D dataset, default features; at most 1 GiB as doubles), intercept (true), l2 (0.0); "
         "minimiser solved for (NaN where none exists)"}),
    RegisterCatalogueEntry({"noise", "none", "no gradient noise: gradient descent", ""}),
    RegisterCatalogueEntry(
        {"noise", "gaussian", "additive omega = (C/sqrt(b)) u, u ~ N(0, I_d)",
         "keys: scale = C (1.0, >= 0); per-coordinate variance C^2/b (default for non-finite sums)"}),
    RegisterCatalogueEntry({"noise", "additive", "additive omega = b^e u, u from any smoothing kernel (scale = C)",
                            "keys: kernel (gaussian), scale, nu / alpha; e = -1/2, or 1/alpha - 1 for alpha_stable"}),
    RegisterCatalogueEntry(
        {"noise", "per_sample", "omega = the mean of b iid per-sample draws from any kernel (scale = C)",
         "keys: kernel (gaussian), scale, nu / alpha; b <= 65536; the batch law emerges (heavy tails: "
         "symmetric_pareto, student_t, alpha_stable); recorded delta = eta C b^e as for additive"}),
    RegisterCatalogueEntry(
        {"noise", "minibatch", "omega = grad f_S - grad f of a finite-sum problem (default for those)",
         "keys: sampling = with_replacement | without_replacement | reshuffle (every sample once per epoch)"}),
    RegisterCatalogueEntry({"optimizers", "sgd", "x <- x - eta g", ""}),
    RegisterCatalogueEntry(
        {"optimizers", "shb", "heavy ball: v <- beta v + g, x <- x - eta v", "keys: beta in [0, 1)"}),
    RegisterCatalogueEntry({"optimizers", "nshb", "normalised heavy ball: v <- beta v + (1 - beta) g, x <- x - eta v",
                            "keys: beta in [0, 1)"}),
    RegisterCatalogueEntry(
        {"optimizers", "explicit_go",
         "GD on the Gaussian-smoothed f, delta_m = delta_start (M+1-m)/(M+1) then final_delta; step l0 delta_m",
         "keys: stages (50), steps_per_stage (20), delta_start (1.0), final_delta (0.01), step_factor = l0 "
         "(authors' per-function value), samples (100), smoothed_gradient = monte_carlo | closed_form (exact grad "
         "f_hat where "
         "theory has it); no noise/schedule/steps"}),
    RegisterCatalogueEntry(
        {"optimizers", "gradopt",
         "Hazan et al.: delta halves per stage, projected SGD on the ball-smoothed f, step 1/(sigma tau)",
         "keys: stages (8), steps_per_stage (200), delta_start (1.0), sigma (1.0), ball_radius (1.5), "
         "samples (1), smoothed_gradient = monte_carlo | closed_form (ball closed form: rastrigin, "
         "quadratics), stage_rule = fixed | accuracy (end stage m once ||grad f_hat||^2/(2 sigma) <= "
         "sigma delta_m^2/32, steps_per_stage the cap, capped stages counted); suffix averaging over "
         "each stage's second half"}),
};
}  // namespace

}  // namespace sgds
