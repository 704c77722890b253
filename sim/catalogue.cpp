#include "sim/catalogue.hpp"

namespace sgds {

std::vector<CatalogueEntry>& catalogue() {
  static std::vector<CatalogueEntry> entries;
  return entries;
}

RegisterCatalogueEntry::RegisterCatalogueEntry(CatalogueEntry entry) { catalogue().push_back(std::move(entry)); }

namespace {
// The entries of the foundation's engine (sim/experiment.cpp reads these names).
const RegisterCatalogueEntry entries[] = {
    RegisterCatalogueEntry({"problems", "quadratic", "f(x) = (a/2) ||x||^2, minimiser 0",
                            "keys: dim (1), a (1.0, > 0)"}),
    RegisterCatalogueEntry({"noise", "none", "no gradient noise: gradient descent", ""}),
    RegisterCatalogueEntry({"noise", "gaussian", "additive omega = (C/sqrt(b)) u, u ~ N(0, I_d)",
                            "keys: scale = C (1.0, >= 0); per-coordinate variance C^2/b"}),
    RegisterCatalogueEntry({"schedules", "constant", "eta_t = eta, b_t = batch", "keys: eta (> 0), batch (1)"}),
    RegisterCatalogueEntry({"optimizers", "sgd", "x <- x - eta g", ""}),
    RegisterCatalogueEntry({"optimizers", "shb", "heavy ball: v <- beta v + g, x <- x - eta v", "keys: beta in [0, 1)"}),
    RegisterCatalogueEntry({"optimizers", "nshb", "normalised heavy ball: v <- beta v + (1 - beta) g, x <- x - eta v",
                            "keys: beta in [0, 1)"}),
};
}  // namespace

}  // namespace sgds
