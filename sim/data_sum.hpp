#pragma once
// A finite sum from the user's own data, so real mini-batch noise can be studied on it:
//   problem = { name = "data", file = "points.csv", loss = "least_squares" | "logistic",
//               target = "y", intercept = true, l2 = 0.0 }
// The CSV holds one sample per row (a header row of names, or none); `target` names the target
// column (default the last), every other column is a feature. An HDF5 file (known by its magic
// number) holds the features as a 2-D numeric dataset [samples][features] and the targets as a
// 1-D one: `features` and `target` name them (default "features" and "targets"; paths such as
// "train/X" work). With the intercept the parameters
// are (w, c) and the model x'w + c. Losses per sample:
//   least_squares  f_i = (x_i'w + c - y_i)^2 / 2
//   logistic       f_i = log(1 + exp(x_i'w + c)) - y_i (x_i'w + c),  y_i in {0, 1}
// plus (l2 / 2) ||w, c||^2 in every f_i. The minimiser is solved for once (normal equations;
// Newton's method for the logistic loss) and is NaN where none exists (separable data, l2 = 0).
#include <memory>
#include <string>
#include <vector>

#include "core/config_table.hpp"

namespace sgds {

struct DataSumData {
  std::string file, loss;
  int features = 0;  // columns of X
  bool intercept = true;
  double l2 = 0.0;
  std::vector<double> x;  // [n][features]
  std::vector<double> y;  // [n]
  std::vector<double> minimiser;
  double minimum_value = 0.0;
};

struct DataSum {
  int dim = 1;
  int n = 1;
  std::shared_ptr<const DataSumData> data;

  int samples() const { return n; }
  double value(const double* w) const;
  void gradient(const double* w, double* g) const;
  void sample_gradient(int i, const double* w, double* g) const;
  double sample_variance(const double* w) const;  // (1/n) sum ||grad f_i - grad f||^2
  double minimum_value() const { return data->minimum_value; }
  void minimiser(double* w) const {
    for (int j = 0; j < dim; ++j) w[j] = data->minimiser[static_cast<std::size_t>(j)];
  }

 private:
  double margin(int i, const double* w) const;    // x_i'w + c
  double loss_slope(int i, double margin) const;  // d f_i / d margin
};

// Reads file, loss, target, features, intercept and l2 from the [problem] table (name = "data");
// refuses a file that is not a readable regular CSV of numbers (naming the line) or an HDF5 file
// with the two datasets (read in a child first, so a corrupted one is refused; data that would
// decode to more than 1 GiB is refused before any value is read), too few samples, non-finite
// values, logistic targets outside {0, 1}, with one line each.
DataSum make_data_sum(ConfigTable& problem);

}  // namespace sgds
