#pragma once
// Loss-landscape slices of a trained network with its trajectory drawn in them (Li et al., 2018):
// the mean training loss on a 2-D grid theta_E + a d1 + b d2 around the final weights theta_E of a
// replica, along two directions, and every epoch's weights projected onto the plane (d1, d2).
//
//   pca     the top two principal directions of the replica's iterates theta_0 .. theta_E
//           (centred at their mean; unit vectors): the plane the trajectory moved in most. Each
//           direction's share of the iterates' variance is reported; signs put theta_0 at
//           negative coordinates.
//   random  two Gaussian directions, filter-normalised: each output unit's (dense) or output
//           channel's (conv) incoming weights of d rescaled to the norm of theta_E's, biases 0,
//           so a coordinate of 1 moves every filter by its own size.
//
// The loss is averaged over `samples` training samples drawn by (seed, replica), in groups of 32
// whose means give the standard error; the grid's centre row and column are the 1-D slices along
// d1 and d2. A projection solves the 2 x 2 least-squares problem (the random directions are not
// orthogonal) and reports the share of ||theta_e - theta_E|| the plane leaves out.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "data/dataset_images.hpp"
#include "sim/nn/architecture.hpp"

namespace sgds::nn {

enum class LandscapeDirections { none, pca, random };

struct LandscapeSpec {
  LandscapeDirections directions = LandscapeDirections::none;
  int points = 21;    // grid points per axis (odd: the centre is theta_E)
  double span = 0.0;  // the grid runs over [-span, span]^2; 0: pca 1.25 x the trajectory's reach, random 1
  int samples = 512;  // training samples per grid point, a multiple of kLandscapeGroup
  int replicas = 1;   // replicas 0 .. replicas-1 get a landscape
};
inline constexpr int kLandscapeGroup = 32;  // samples per group of the standard error

const char* landscape_directions_name(LandscapeDirections directions);

struct Landscape {
  int replica = 0;
  double span = 0.0;
  std::vector<double> coordinates;     // [points], the grid along each axis
  std::vector<double> loss, loss_se;   // [points][points]: index [i][j] is theta_E + c_i d1 + c_j d2
  std::vector<double> trajectory;      // [rows][2]: the epochs' weights in (d1, d2) coordinates
  std::vector<double> off_plane;       // [rows]: ||residual|| / ||theta_e - theta_E|| (0 at theta_E)
  std::vector<double> explained;       // [2]: pca, each direction's share of the iterates' variance; NaN for random
  std::vector<double> direction_norm;  // [2]: ||d1||, ||d2|| (1 for pca)
  std::vector<double> d1, d2;          // the directions, P each (kept in memory, not written)
};

// `iterates`: the replica's weights at rows 0 .. E (the last is the centre), P floats each.
// Parallel over grid points (OpenMP); the numbers do not depend on the thread count.
// `point_done` is called after each grid point, from whichever thread computed it.
Landscape measure_landscape(const LandscapeSpec& spec, const Architecture& architecture, const Dataset& train,
                            std::uint32_t seed, int replica, const std::vector<std::vector<float>>& iterates,
                            const std::function<void()>& point_done = {});

}  // namespace sgds::nn
