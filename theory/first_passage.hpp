#pragma once
// Mean first-passage time of a 1-D diffusion dX = -U'(X) dt + sqrt(2 D) dW (docs/THEORY.md section 5,
// oracle 8), by quadrature of the standard double integral. For a start x0 between an absorbing
// point `exit` and a reflecting point `reflect` (either side), the generator equation
// D T'' - U' T' = -1 with T(exit) = 0, T'(reflect) = 0 gives
//   T(x0) = (1/D) int_{exit}^{x0} dy e^{U(y)/D} int_{y}^{reflect} dz e^{-U(z)/D}     (oriented integrals),
// so a reflect far out where U is large stands for a potential that confines the process.
// SGD with step eta and additive noise of std s/sqrt(b) has the SDE limit D = eta s^2 / (2 b)
// on the time scale t = eta * steps.
#include <functional>

namespace sgds {

struct FirstPassageQuadrature {
  int intervals = 1 << 15;  // trapezoid panels on [exit, reflect]
};

double mean_first_passage_time(const std::function<double(double)>& potential, double diffusion, double x0, double exit,
                               double reflect, FirstPassageQuadrature quadrature = {});

}  // namespace sgds
