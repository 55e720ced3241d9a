// Threads and the compiled instruction set.
#include <omp.h>

#include <algorithm>

#include "kernels.h"
#include "simd.h"

namespace sal {
int max_threads() { return omp_get_max_threads(); }
void set_threads(int n) { omp_set_num_threads(std::max(1, n)); }
const char* simd_name() { return kSimd; }
}  // namespace sal
