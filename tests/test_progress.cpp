// The progress lines a log gets when stderr is not a terminal (sim/progress.hpp): the percentage,
// the time so far and, while work remains, the time left at the measured rate.
#include <catch2/catch.hpp>

#include "sim/progress.hpp"

using sgds::progress_log_line;

TEST_CASE("A log's progress line gives the time left at the measured rate") {
  CHECK(progress_log_line("train constant", 0.2, 37.4, false) == "train constant:  20% (37.4 s, about 2.5 min left)");
  CHECK(progress_log_line("run", 0.5, 10.0, false) == "run:  50% (10.0 s, about 10 s left)");
  CHECK(progress_log_line("run", 0.2, 12.0, false) == "run:  20% (12.0 s, about 48 s left)");
  // Long work in minutes: 600 s done of a quarter leaves 1800 s
  CHECK(progress_log_line("sweep", 0.25, 600.0, false) == "sweep:  25% (600.0 s, about 30.0 min left)");
}

TEST_CASE("A log's progress line says nothing of time left before any work and at the end") {
  CHECK(progress_log_line("run", 0.0, 5.0, false) == "run:   0% (5.0 s)");
  CHECK(progress_log_line("run", 1.0, 12.5, true) == "run: 100% (12.5 s)");
  CHECK(progress_log_line("run", 1.0, 12.5, false) == "run: 100% (12.5 s)");
}
