// large_memory.h: memory for big arrays that are touched in random order (the flow table, the
// flows, the output buffers), backed by huge pages where the kernel offers them.
//
// Design note: with a million live flows these arrays are hundreds of megabytes, and each packet
// lands somewhere else in them. With 4 KiB pages nearly every access misses the TLB, and every
// page costs a fault on first touch (measured on the 1,000,000-connection benchmark: a fifth of
// the packet thread's time). A request of at least kLargeMemoryThreshold bytes gets a mapping of
// its own, 2 MiB-aligned and advised MADV_HUGEPAGE (transparent huge pages in "madvise" mode,
// Linux's default on many systems); where that is refused the memory is ordinary 4 KiB pages.
// Smaller requests come from the heap as usual, so small runs keep a small footprint. The
// allocator has no state, so containers that use it behave exactly as with std::allocator.
#ifndef TCPFLOW_LARGE_MEMORY_H
#define TCPFLOW_LARGE_MEMORY_H

#include <cstddef>
#include <new>
#include <utility>
#include <vector>

namespace tcpflow {

inline constexpr std::size_t kLargeMemoryThreshold = std::size_t{2} << 20;

// `bytes` bytes aligned for any standard type; throws std::bad_alloc. Free with the same size.
void* AllocateLarge(std::size_t bytes);
void FreeLarge(void* memory, std::size_t bytes) noexcept;

template <class T>
struct LargeAllocator {
  using value_type = T;
  LargeAllocator() = default;
  template <class U>
  explicit LargeAllocator(const LargeAllocator<U>& /*other*/) noexcept {}
  T* allocate(std::size_t n) {
    if (n > static_cast<std::size_t>(-1) / sizeof(T)) throw std::bad_alloc();
    return static_cast<T*>(AllocateLarge(n * sizeof(T)));
  }
  void deallocate(T* memory, std::size_t n) noexcept { FreeLarge(memory, n * sizeof(T)); }
  friend bool operator==(const LargeAllocator& /*a*/, const LargeAllocator& /*b*/) { return true; }
};

template <class T>
using LargeVector = std::vector<T, LargeAllocator<T>>;

// The size of the next region of a growing pool: `first` at first, then twice the last, up to
// `max`. (Doubling keeps the number of regions small; the cap keeps the last one from being
// much more than is needed.)
inline std::size_t NextGrowthBytes(std::size_t last, std::size_t first, std::size_t max) {
  return last == 0 ? first : (last >= max / 2 ? max : 2 * last);
}

// Owns one region from AllocateLarge (uninitialized bytes).
class LargeBlock {
 public:
  explicit LargeBlock(std::size_t bytes) : memory_(AllocateLarge(bytes)), bytes_(bytes) {}
  ~LargeBlock() {
    if (memory_ != nullptr) FreeLarge(memory_, bytes_);
  }
  LargeBlock(LargeBlock&& other) noexcept
      : memory_(std::exchange(other.memory_, nullptr)), bytes_(other.bytes_) {}
  LargeBlock& operator=(LargeBlock&& other) noexcept {
    std::swap(memory_, other.memory_);
    std::swap(bytes_, other.bytes_);
    return *this;
  }
  void* get() const { return memory_; }
  std::size_t size() const { return bytes_; }

 private:
  void* memory_;
  std::size_t bytes_;
};

// A sequence that only grows at the end and never moves its elements: they live in chunks of
// two huge pages. Growing a vector of a million entries copies every entry about once and
// touches twice the memory it ends with; this copies nothing. Unlike the allocator above, even
// the first element takes a whole chunk: 4 MiB of address space, of which only the huge pages
// touched count in the resident size.
template <class T>
class ChunkedArray {
 public:
  static constexpr std::size_t kChunkBytes = 2 * kLargeMemoryThreshold;
  static_assert(sizeof(T) <= kChunkBytes / 64, "for small elements");
  static constexpr std::size_t kPerChunk = kChunkBytes / sizeof(T);

  ChunkedArray() = default;
  ~ChunkedArray() {
    for (std::size_t i = size_; i > 0; --i) (*this)[i - 1].~T();
  }
  ChunkedArray(const ChunkedArray&) = delete;
  ChunkedArray& operator=(const ChunkedArray&) = delete;

  std::size_t size() const { return size_; }
  T& operator[](std::size_t i) {
    return static_cast<T*>(chunks_[i / kPerChunk].get())[i % kPerChunk];
  }
  const T& operator[](std::size_t i) const {
    return static_cast<const T*>(chunks_[i / kPerChunk].get())[i % kPerChunk];
  }
  // Appends a value-initialized element.
  T& emplace_back() {
    if (size_ == chunks_.size() * kPerChunk) chunks_.emplace_back(kChunkBytes);
    T* slot = static_cast<T*>(chunks_.back().get()) + size_ % kPerChunk;
    ::new (static_cast<void*>(slot)) T();
    ++size_;
    return *slot;
  }

 private:
  std::vector<LargeBlock> chunks_;
  std::size_t size_ = 0;
};

}  // namespace tcpflow

#endif  // TCPFLOW_LARGE_MEMORY_H
