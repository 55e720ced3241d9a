// Threads and the compiled instruction set.
#include <omp.h>

#include <algorithm>
#include <vector>

#include "kernels.h"
#include "simd.h"

namespace sal {
int max_threads() { return omp_get_max_threads(); }
void set_threads(int n) { omp_set_num_threads(std::max(1, n)); }
const char* simd_name() { return kSimd; }

float* thread_scratch(int slot, int64_t n) {
  thread_local std::vector<float> slots[kScratchSlots];
  std::vector<float>& b = slots[slot];
  if (static_cast<int64_t>(b.size()) < n + 16) b.resize(static_cast<size_t>(n + 16));
  return align64(b.data());
}
}  // namespace sal
