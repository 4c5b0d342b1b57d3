// large_memory.cpp: 2 MiB-aligned private mappings advised for huge pages.
#include "large_memory.h"

#include <sys/mman.h>

#include <cstdint>

namespace tcpflow {

namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

std::size_t RoundUp(std::size_t bytes) {
  return (bytes + kHugePage - 1) & ~(kHugePage - 1);
}

}  // namespace

void* AllocateLarge(std::size_t bytes) {
  if (bytes < kLargeMemoryThreshold) return ::operator new(bytes);
  if (bytes > static_cast<std::size_t>(-1) / 2) throw std::bad_alloc();
  const std::size_t size = RoundUp(bytes);
  // Map one huge page more than needed and trim both ends, so the region starts on a 2 MiB
  // boundary and every page of it can be a huge page.
  void* mapped =
      mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<std::uintptr_t>(mapped);
  const std::uintptr_t aligned = (start + kHugePage - 1) & ~(std::uintptr_t{kHugePage} - 1);
  const std::size_t head = aligned - start;
  if (head != 0) munmap(mapped, head);
  const std::size_t tail = kHugePage - head;
  if (tail != 0) munmap(reinterpret_cast<void*>(aligned + size), tail);
  void* memory = reinterpret_cast<void*>(aligned);
  // Refused where transparent huge pages are off: the mapping then simply has small pages.
  madvise(memory, size, MADV_HUGEPAGE);
  return memory;
}

void FreeLarge(void* memory, std::size_t bytes) noexcept {
  if (memory == nullptr) return;
  if (bytes < kLargeMemoryThreshold) {
    ::operator delete(memory);
    return;
  }
  munmap(memory, RoundUp(bytes));
}

}  // namespace tcpflow
