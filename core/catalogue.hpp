#pragma once
// What `sgdsmooth list` shows: every problem, noise model, schedule and optimizer a config can
// name, with a one-line summary and details (formula, box, parameters). Modules register their
// entries next to their definitions.
#include <string>
#include <vector>

namespace sgds {

struct CatalogueEntry {
  std::string category;  // "problems", "noise", "schedules", "optimizers", ...
  std::string name;      // what a config writes
  std::string summary;   // one line
  std::string details;   // formula, parameters with defaults, box
};

std::vector<CatalogueEntry>& catalogue();

struct RegisterCatalogueEntry {
  explicit RegisterCatalogueEntry(CatalogueEntry entry);
};

}  // namespace sgds
