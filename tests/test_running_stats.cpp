// core/running_stats.hpp: the streaming statistics merge in any split to the one-pass result, and
// a handful of values gets a mean and SE whose convention for n < 2 is NaN, never 0.
#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

#include "core/running_stats.hpp"

using sgds::RunningStats;
using sgds::sample_mean;

TEST_CASE("sample_mean gives sd / sqrt(n), and NaN where it cannot be known") {
  const auto three = sample_mean({1.0, 2.0, 3.0});
  CHECK(three.mean == 2.0);
  CHECK(three.standard_error == Approx(std::sqrt(1.0 / 3.0)).epsilon(1e-15));
  const auto one = sample_mean({4.0});
  CHECK(one.mean == 4.0);
  CHECK(std::isnan(one.standard_error));  // one sharpness batch: its SE is unknown, not 0
  const auto none = sample_mean({});
  CHECK(std::isnan(none.mean));
  CHECK(std::isnan(none.standard_error));
}

TEST_CASE("RunningStats merged from blocks equals one pass, and its SE of one value is NaN") {
  const std::vector<double> v{0.5, -1.25, 3.0, 2.0, 7.5, -0.75, 1.0};
  RunningStats all, a, b;
  for (std::size_t i = 0; i < v.size(); ++i) {
    all.add(v[i]);
    (i < 3 ? a : b).add(v[i]);
  }
  a.merge(b);
  CHECK(a.count == all.count);
  CHECK(a.mean == Approx(all.mean).epsilon(1e-14));
  CHECK(a.variance() == Approx(all.variance()).epsilon(1e-14));
  const auto reference = sample_mean(v);
  CHECK(all.standard_error() == Approx(reference.standard_error).epsilon(1e-14));
  RunningStats single;
  single.add(2.0);
  CHECK(std::isnan(single.standard_error()));
}
