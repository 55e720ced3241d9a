// Threads and the compiled instruction set.
#include <omp.h>

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <new>
#include <vector>

#include "kernels.h"
#include "simd.h"

namespace sal {
int max_threads() { return omp_get_max_threads(); }
void set_threads(int n) { omp_set_num_threads(std::max(1, n)); }
const char* simd_name() { return kSimd; }

void* large_alloc(std::size_t bytes) {
  constexpr std::size_t kHuge = std::size_t{2} << 20;
  if (bytes < kHuge) {
    void* p = std::malloc(std::max<std::size_t>(bytes, 1));
    if (!p) throw std::bad_alloc();
    return p;
  }
  const std::size_t rounded = (bytes + kHuge - 1) / kHuge * kHuge;
  void* p = std::aligned_alloc(kHuge, rounded);
  if (!p) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  madvise(p, rounded, MADV_HUGEPAGE);  // advice only: without transparent huge pages it changes nothing
#endif
  return p;
}
void large_free(void* p) noexcept { std::free(p); }

float* thread_scratch(int slot, int64_t n) {
  thread_local std::vector<float> slots[kScratchSlots];
  std::vector<float>& b = slots[slot];
  if (static_cast<int64_t>(b.size()) < n + 16) b.resize(static_cast<size_t>(n + 16));
  return align64(b.data());
}
}  // namespace sal
