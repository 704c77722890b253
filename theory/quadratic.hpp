#pragma once
// The isotropic quadratic f(x) = (a/2) ||x||^2 in d dimensions: the tracer problem, whose SGD
// dynamics under additive noise are an exact AR(1) process (docs/THEORY.md section 5, oracle 2).
#include "core/hd.hpp"

namespace sgds {

struct IsotropicQuadratic {
  int dim = 1;
  double a = 1.0;  // curvature; Hessian = a I

  SGDS_HD double value(const double* x) const {
    double sum = 0.0;
    for (int i = 0; i < dim; ++i) sum += x[i] * x[i];
    return 0.5 * a * sum;
  }
  SGDS_HD void gradient(const double* x, double* g) const {
    for (int i = 0; i < dim; ++i) g[i] = a * x[i];
  }
  SGDS_HD double minimum_value() const { return 0.0; }
  SGDS_HD double minimiser_coordinate(int) const { return 0.0; }
};

}  // namespace sgds
