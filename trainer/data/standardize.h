// Input standardization of feature-vector datasets (npy float, fvecs: embeddings, descriptors in any
// range): the per-dimension mean and scale a model stores (dq::InputSpec::mean / inv_std, section
// STDZ) so that every front end feeds its encoder what the trainer trained on.
//
// Statistics of the training set only (the rows train_deepquan receives: the paper split's gallery),
// never of the test queries. Per dimension i over the n rows, in double, summed in row order:
//   mean_i = sum x / n;  std_i = sqrt(sum (x - mean_i)^2 / n)  (population std, two passes).
// Stored: mean[i] = float(mean_i); inv_std[i] = float(1 / std_i), except for a zero-variance
// dimension, which gets inv_std[i] = 1 (it then only shifts by its mean, and a query's deviation
// there reaches the network unscaled). Zero variance means std_i <= 2^-20 * |mean_i| (values equal
// up to the last few of a float's 24 mantissa bits, which covers std_i == 0) or 1 / std_i not
// representable as a finite float. Refusing such dimensions instead would refuse ordinary data: a
// constant border pixel, an always-zero feature of a sparse descriptor.
#pragma once

#include "data/dataset.h"
#include "dq/model.h"

namespace dqt {

/// Sets spec.mean and spec.inv_std (spec.dim() values each) from ds (n × dim, n >= 1) by the rule
/// above. ds.dim must equal spec.dim(). Returns the number of zero-variance dimensions.
size_t compute_standardization(const Dataset& ds, dq::InputSpec& spec);

/// ds with x standardized by spec (dq::standardize_inputs, the core's float order) and input = spec:
/// what the trainer's networks see for a standardized model.
Dataset standardized_copy(const Dataset& ds, const dq::InputSpec& spec);

}  // namespace dqt
