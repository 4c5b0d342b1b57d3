// async_output_fs.cpp: write gathering and background writer threads behind OutputFs.
#include "async_output_fs.h"

#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <iterator>
#include <utility>

namespace tcpflow {
namespace {

// A file's pending bytes are queued as one write once they reach this much.
constexpr std::size_t kChunkBytes = 256 * 1024;
// Block sizes: 128 bytes, doubling up to kChunkBytes.
constexpr std::size_t kMinBlockBytes = 128;
constexpr std::uint8_t kBlockClasses = 12;
static_assert((kMinBlockBytes << (kBlockClasses - 1)) == kChunkBytes);
// A class's first slab has this much (or one block, if larger); each next one twice its last,
// up to kMaxSlabBytes.
constexpr std::size_t kFirstSlabBytes = 64 * 1024;
constexpr std::size_t kMaxSlabBytes = 4 * 1024 * 1024;
// Operations go to a writer in batches, so the hand-over (a lock and a wake-up) is paid once
// for many small files.
constexpr std::size_t kBatchOps = 64;
constexpr std::size_t kBatchBytes = 1024 * 1024;
// Queued bytes; beyond this the packet thread waits for the writers.
constexpr std::size_t kQueuedBudgetBytes = 16 * 1024 * 1024;
// What a queued operation costs besides its data: the Op, its path, and what the caller keeps
// until it is done (a report entry waits for its file's close). Counting it keeps the number of
// queued operations bounded too when files are tiny (100,000 queued creates and closes of
// 100-byte files would otherwise hold far more memory than their 10 MB of data).
constexpr std::size_t kOpOverheadBytes = 512;
constexpr std::uint64_t kWriterBits = 3;  // tickets: seq << 3 | writer
static_assert(AsyncOutputFs::kMaxWriters == (1u << kWriterBits));

std::string ParentOf(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::uint64_t NameHash(const std::string& path) {
  return std::hash<std::string>{}(path);
}

std::size_t BlockCapacity(std::uint8_t size_class) {
  return kMinBlockBytes << size_class;
}

// The smallest class that holds n bytes (the largest class if none does).
std::uint8_t ClassFor(std::size_t n) {
  std::uint8_t size_class = 0;
  while (size_class + 1 < kBlockClasses && BlockCapacity(size_class) < n) ++size_class;
  return size_class;
}

}  // namespace

std::size_t AsyncOutputFs::CostOf(const Op& op) {
  return op.data_capacity + op.path.capacity() + kOpOverheadBytes;
}

std::size_t AsyncOutputFs::HashSet::Find(std::uint64_t key) const {
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = static_cast<std::size_t>(key) & mask;
  while (slots_[i] != 0 && slots_[i] != key) i = (i + 1) & mask;
  return i;
}

bool AsyncOutputFs::HashSet::Contains(std::uint64_t hash) const {
  if (slots_.empty()) return false;
  const std::uint64_t key = hash == 0 ? 1 : hash;
  return slots_[Find(key)] == key;
}

void AsyncOutputFs::HashSet::Insert(std::uint64_t hash) {
  if (2 * (size_ + 1) > slots_.size()) {
    LargeVector<std::uint64_t> old(std::max<std::size_t>(64, slots_.size() * 2));
    old.swap(slots_);
    for (std::uint64_t key : old) {
      if (key != 0) slots_[Find(key)] = key;
    }
  }
  const std::uint64_t key = hash == 0 ? 1 : hash;
  std::uint64_t& slot = slots_[Find(key)];
  if (slot == 0) ++size_;
  slot = key;
}

AsyncOutputFs::AsyncOutputFs(std::size_t max_open, std::size_t writers, PendingBudget pending)
    : pending_budget_(pending), slab_space_(kBlockClasses), spare_blocks_(kBlockClasses) {
  // Each writer needs a descriptor of its own: -f 1 means one writer.
  const std::size_t count = std::clamp<std::size_t>(
      std::min(writers, std::max<std::size_t>(1, max_open)), 1, kMaxWriters);
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  for (std::size_t i = 0; i < count; ++i) {
    auto writer = std::make_unique<Writer>();
    writer->outbox.reserve(kBatchOps);
    // The budget split as evenly as it goes.
    writer->budget = std::max<std::size_t>(1, max_open / count + (i < max_open % count ? 1 : 0));
    writer->fs = std::make_unique<PosixOutputFs>(writer->budget);
    writers_.push_back(std::move(writer));
  }
  for (auto& writer : writers_) {
    Writer& w = *writer;
    w.thread = std::thread([this, &w] { Run(w); });
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

AsyncOutputFs::~AsyncOutputFs() {
  QueueAllPending();
  for (auto& writer : writers_) Handover(*writer);
  for (auto& writer : writers_) {
    {
      std::lock_guard<std::mutex> lock(writer->mutex);
      writer->stop = true;
    }
    writer->wake.notify_one();
  }
  for (auto& writer : writers_) writer->thread.join();
}

// ---------------------------------------------------------------- writer threads

void AsyncOutputFs::Run(Writer& writer) {
  std::vector<Batch> batches;
  std::unique_lock<std::mutex> lock(writer.mutex);
  for (;;) {
    writer.wake.wait(lock, [&] { return writer.stop || !writer.queue.empty(); });
    if (writer.queue.empty()) return;  // stop, and nothing left to do
    batches.swap(writer.queue);
    writer.busy = true;
    lock.unlock();
    std::size_t bytes = 0;
    for (Batch& batch : batches) {
      for (Op& op : batch) {
        bytes += CostOf(op);
        // After a failure nothing more is written: the run is ending with an error.
        std::string error;
        if (writer.failed_seq.load(std::memory_order_relaxed) == UINT64_MAX &&
            !Execute(writer, op, &error)) {
          writer.failed_seq.store(op.seq, std::memory_order_release);
          {
            std::lock_guard<std::mutex> error_lock(error_mutex_);
            if (first_error_.empty()) first_error_ = error;
          }
          failed_.store(true, std::memory_order_release);
        }
        writer.done_seq.store(op.seq, std::memory_order_release);
      }
    }
    lock.lock();
    for (Batch& batch : batches) writer.spent.push_back(std::move(batch));
    batches.clear();
    writer.queued_bytes -= bytes;
    writer.busy = false;
    writer.idle.notify_all();
  }
}

bool AsyncOutputFs::Execute(Writer& writer, Op& op, std::string* error) {
  PosixOutputFs& fs = *writer.fs;
  if (op.id >= writer.inner.size()) writer.inner.resize(op.id + 1);
  bool ok = false;
  switch (op.kind) {
    case Op::Kind::kCreateExclusive:
    case Op::Kind::kCreateOrTruncate: {
      FileId inner = 0;
      const CreateStatus status = op.kind == Op::Kind::kCreateExclusive
                                      ? fs.CreateExclusive(op.path, &inner)
                                      : fs.CreateOrTruncate(op.path, &inner);
      if (status == CreateStatus::kExists) {
        // The packet thread saw the name free: something else made the file meanwhile.
        *error = "cannot create " + op.path + ": another program created it during the run";
        return false;
      }
      writer.inner[op.id] = inner;
      ok = status == CreateStatus::kCreated;
      break;
    }
    case Op::Kind::kOpenExisting: {
      FileId inner = 0;
      std::uint64_t size = 0;  // the packet thread already knows it
      ok = fs.OpenExisting(op.path, &inner, &size);
      writer.inner[op.id] = inner;
      break;
    }
    case Op::Kind::kWrite:
      writer.pieces.clear();
      for (const Block* block = op.blocks; block != nullptr; block = block->next) {
        writer.pieces.emplace_back(block->bytes, block->size);
      }
      ok = fs.WriteGather(writer.inner[op.id], op.offset, writer.pieces);
      break;
    case Op::Kind::kClose:
      ok = fs.Close(writer.inner[op.id], op.has_mtime ? &op.mtime : nullptr);
      break;
  }
  if (!ok) *error = fs.error();
  return ok;
}

// ---------------------------------------------------------------- the packet thread's side

bool AsyncOutputFs::CheckFailed() {
  if (!failed_.load(std::memory_order_acquire)) return false;
  std::lock_guard<std::mutex> lock(error_mutex_);
  error_ = first_error_;
  return true;
}

bool AsyncOutputFs::Usable(FileId id) {
  if (id >= files_.size() || !files_[id].open) {
    error_ = "internal error: bad file handle";
    return false;
  }
  return !CheckFailed();
}

void AsyncOutputFs::Enqueue(Op op) {
  op.seq = ++next_seq_;
  Writer& writer = WriterOf(op.id);
  writer.outbox_bytes += CostOf(op);
  writer.outbox.push_back(std::move(op));
  if (writer.outbox.size() >= kBatchOps || writer.outbox_bytes >= kBatchBytes) Handover(writer);
}

void AsyncOutputFs::Handover(Writer& writer) {
  if (writer.outbox.empty()) return;
  {
    std::unique_lock<std::mutex> lock(writer.mutex);
    // Back-pressure: queued bytes stay within their budget (pending bytes have their own).
    writer.idle.wait(lock, [&] {
      return writer.queued_bytes == 0 ||
             writer.queued_bytes + writer.outbox_bytes <= kQueuedBudgetBytes / writers_.size();
    });
    writer.queue.push_back(std::move(writer.outbox));
    writer.queued_bytes += writer.outbox_bytes;
    writer.returned.swap(writer.spent);
  }
  writer.outbox_bytes = 0;
  writer.wake.notify_one();
  // The executed batches are emptied here, after the lock is released, and kept for the next
  // outboxes: a batch's vector is allocated once and goes round.
  for (Batch& batch : writer.returned) {
    for (const Op& op : batch) RecycleBlocks(op.blocks);
    batch.clear();
    writer.empty_batches.push_back(std::move(batch));
  }
  writer.returned.clear();
  if (writer.empty_batches.empty()) {
    writer.outbox = Batch();
    writer.outbox.reserve(kBatchOps);
  } else {
    writer.outbox = std::move(writer.empty_batches.back());
    writer.empty_batches.pop_back();
  }
}

void AsyncOutputFs::QueuePending(FileId id) {
  FileState& file = files_[id];
  if (file.create_held) {
    file.create_held = false;
    Op create;
    create.kind = file.create_kind;
    create.id = id;
    create.path = std::exchange(file.create_path, {});
    Enqueue(std::move(create));
  }
  if (file.pending_size == 0) return;
  Op op;
  op.kind = Op::Kind::kWrite;
  op.id = id;
  op.offset = file.pending_offset;
  op.blocks = std::exchange(file.pending, nullptr);
  op.data_capacity = file.pending_capacity;
  pending_capacity_ -= file.pending_capacity;
  file.pending_offset += file.pending_size;
  file.pending_size = 0;
  file.pending_capacity = 0;
  file.pending_tail = nullptr;
  Enqueue(std::move(op));
}

void AsyncOutputFs::Append(FileState& file, Bytes data) {
  while (!data.empty()) {
    Block* tail = file.pending_tail;
    if (tail == nullptr || tail->size == BlockCapacity(tail->size_class)) {
      // A chain's first block holds twice the first write, so that a small file of a few
      // similar writes (the common short connection) needs one block, not two.
      const std::size_t wanted = tail == nullptr ? 2 * data.size() : data.size();
      Block* block = TakeBlock(std::max(file.next_class, ClassFor(wanted)));
      file.next_class = std::min<std::uint8_t>(block->size_class + 1, kBlockClasses - 1);
      const std::size_t capacity = BlockCapacity(block->size_class);
      file.pending_capacity += capacity;
      pending_capacity_ += capacity;
      (tail == nullptr ? file.pending : tail->next) = block;
      file.pending_tail = tail = block;
    }
    const std::size_t n = std::min(data.size(), BlockCapacity(tail->size_class) - tail->size);
    std::memcpy(tail->bytes + tail->size, data.data(), n);
    tail->size += static_cast<std::uint32_t>(n);
    file.pending_size += n;
    data = data.subspan(n);
  }
}

void AsyncOutputFs::QueueAllPending() {
  for (FileId id : pending_ids_) {
    if (id < files_.size()) QueuePending(id);
  }
  pending_ids_.clear();
}

bool AsyncOutputFs::WaitIdle() {
  QueueAllPending();
  for (auto& writer : writers_) Handover(*writer);
  for (auto& writer : writers_) {
    std::unique_lock<std::mutex> lock(writer->mutex);
    writer->idle.wait(lock, [&] { return writer->queue.empty() && !writer->busy; });
  }
  return !CheckFailed();
}

AsyncOutputFs::Block* AsyncOutputFs::TakeBlock(std::uint8_t size_class) {
  auto& spares = spare_blocks_[size_class];
  if (!spares.empty()) {
    Block* block = spares.back();
    spares.pop_back();
    return block;
  }
  const std::size_t capacity = BlockCapacity(size_class);
  SlabSpace& space = slab_space_[size_class];
  if (space.blocks_left == 0) {
    const std::size_t slab_bytes =
        NextGrowthBytes(space.last_slab_bytes, kFirstSlabBytes, kMaxSlabBytes);
    const std::size_t count = std::max<std::size_t>(1, slab_bytes / capacity);
    slabs_.emplace_back(count * capacity);
    space.next = static_cast<std::uint8_t*>(slabs_.back().get());
    space.blocks_left = count;
    space.last_slab_bytes = count * capacity;
  }
  Block& block = blocks_.emplace_back();
  block.bytes = space.next;
  block.size_class = size_class;
  space.next += capacity;
  --space.blocks_left;
  return &block;
}

void AsyncOutputFs::RecycleBlocks(Block* chain) {
  while (chain != nullptr) {
    Block* rest = chain->next;
    chain->next = nullptr;
    chain->size = 0;
    spare_blocks_[chain->size_class].push_back(chain);
    chain = rest;
  }
}

FileId AsyncOutputFs::NewHandle() {
  FileId id;
  if (!free_ids_.empty()) {
    id = free_ids_.back();
    free_ids_.pop_back();
  } else {
    id = static_cast<FileId>(files_.size());
    files_.emplace_back();
  }
  FileState& file = files_[id];
  file.open = true;
  file.pending_offset = 0;
  file.next_class = 0;
  ++WriterOf(id).open_files;
  return id;
}

bool AsyncOutputFs::IsFreshDir(const std::string& dir) {
  auto found = fresh_dirs_.find(dir);
  if (found != fresh_dirs_.end()) return found->second;
  bool fresh = true;  // a folder that does not exist yet will be made by this run
  if (DIR* handle = ::opendir(dir.c_str())) {
    while (const dirent* entry = ::readdir(handle)) {
      const std::string_view name = entry->d_name;
      if (name != "." && name != ".." &&
          !used_names_.Contains(
              NameHash(dir == "." ? std::string(name) : dir + '/' + std::string(name)))) {
        fresh = false;
        break;
      }
    }
    ::closedir(handle);
  } else if (errno != ENOENT) {
    fresh = false;  // cannot tell: look before each create
  }
  fresh_dirs_.emplace(dir, fresh);
  return fresh;
}

void AsyncOutputFs::Prefetch(FileId id) const {
  if (id < files_.size()) __builtin_prefetch(&files_[id]);
}

OutputFs::CreateStatus AsyncOutputFs::Create(const std::string& path, Op::Kind kind, FileId* id) {
  if (CheckFailed()) return CreateStatus::kError;
  // Folders are made here and now, so a path that cannot be a file fails at once.
  const auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0 && !MakeDirs(path.substr(0, slash))) {
    return CreateStatus::kError;
  }
  const std::uint64_t hash = NameHash(path);
  const bool used = used_names_.Contains(hash);
  if (kind == Op::Kind::kCreateExclusive) {
    // A folder this run made is a taken name even in a folder that was empty.
    bool look = !IsFreshDir(ParentOf(path)) || known_dirs_.count(path) != 0;
    if (used) {
      // Probably made by this run (or a hash collision): let the writers catch up, then look.
      if (!WaitIdle()) return CreateStatus::kError;
      look = true;
    }
    struct stat st {};
    if (look && ::lstat(path.c_str(), &st) == 0) return CreateStatus::kExists;
  } else if (used && !WaitIdle()) {
    // The name's earlier file may have writes queued on another writer: they must land first.
    return CreateStatus::kError;
  }
  used_names_.Insert(hash);
  *id = NewHandle();
  FileState& file = files_[*id];
  file.create_held = true;
  file.create_kind = kind;
  file.create_path = path;
  pending_ids_.push_back(*id);  // so that WaitIdle() queues the create even with no bytes
  return CreateStatus::kCreated;
}

OutputFs::CreateStatus AsyncOutputFs::CreateExclusive(const std::string& path, FileId* id) {
  return Create(path, Op::Kind::kCreateExclusive, id);
}

OutputFs::CreateStatus AsyncOutputFs::CreateOrTruncate(const std::string& path, FileId* id) {
  return Create(path, Op::Kind::kCreateOrTruncate, id);
}

bool AsyncOutputFs::OpenExisting(const std::string& path, FileId* id, std::uint64_t* size) {
  if (CheckFailed()) return false;
  const std::uint64_t hash = NameHash(path);
  // This run's writes to the file, and its close, land first: the size is then the whole file.
  if (used_names_.Contains(hash) && !WaitIdle()) return false;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    error_ = "cannot reopen " + path + ": " + std::strerror(errno);
    return false;
  }
  *size = static_cast<std::uint64_t>(st.st_size);
  used_names_.Insert(hash);
  *id = NewHandle();
  Op op;
  op.kind = Op::Kind::kOpenExisting;
  op.id = *id;
  op.path = path;
  Enqueue(std::move(op));
  return true;
}

bool AsyncOutputFs::WriteAt(FileId id, std::uint64_t offset, Bytes data) {
  if (!Usable(id)) return false;
  if (data.empty()) return true;
  FileState& file = files_[id];
  if (offset != file.pending_offset + file.pending_size) {
    if (file.pending_size != 0) QueuePending(id);  // a held create stays held
    file.pending_offset = offset;
    file.next_class = 0;  // a new run of bytes starts small again
  }
  if (file.pending_size == 0) pending_ids_.push_back(id);
  Append(file, data);
  // A run that goes on past a chunk keeps its large blocks (next_class stays).
  if (file.pending_size >= kChunkBytes) QueuePending(id);
  const std::size_t open_files = files_.size() - free_ids_.size();
  if (pending_capacity_ >
      std::max(pending_budget_.bytes, pending_budget_.bytes_per_file * open_files)) {
    QueueAllPending();
  }
  // pending_ids_ may name a handle twice or one already queued; it is only a list to visit.
  if (pending_ids_.size() > 2 * files_.size() + 1024) {
    pending_ids_.erase(
        std::remove_if(
            pending_ids_.begin(), pending_ids_.end(),
            [&](FileId f) { return files_[f].pending_size == 0 && !files_[f].create_held; }),
        pending_ids_.end());
    std::sort(pending_ids_.begin(), pending_ids_.end());
    pending_ids_.erase(std::unique(pending_ids_.begin(), pending_ids_.end()), pending_ids_.end());
  }
  return true;
}

std::optional<std::size_t> AsyncOutputFs::ReadAt(FileId id, std::uint64_t offset,
                                                 std::span<std::uint8_t> out) {
  if (!Usable(id) || !WaitIdle()) return std::nullopt;
  Writer& writer = WriterOf(id);
  std::lock_guard<std::mutex> lock(writer.mutex);
  auto got = writer.fs->ReadAt(writer.inner[id], offset, out);
  if (!got) error_ = writer.fs->error();
  return got;
}

std::optional<std::size_t> AsyncOutputFs::ReadPath(const std::string& path, std::uint64_t offset,
                                                   std::span<std::uint8_t> out) {
  if (!WaitIdle()) return std::nullopt;
  Writer& writer = *writers_.front();
  std::lock_guard<std::mutex> lock(writer.mutex);
  auto got = writer.fs->ReadPath(path, offset, out);
  if (!got) error_ = writer.fs->error();
  return got;
}

bool AsyncOutputFs::Close(FileId id, const Timeval* mtime) {
  if (id >= files_.size() || !files_[id].open) return false;
  QueuePending(id);
  Op op;
  op.kind = Op::Kind::kClose;
  op.id = id;
  if (mtime != nullptr) {
    op.has_mtime = true;
    op.mtime = *mtime;
  }
  Enqueue(std::move(op));
  last_close_ticket_ = (next_seq_ << kWriterBits) | (id % writers_.size());
  files_[id].open = false;
  --WriterOf(id).open_files;
  free_ids_.push_back(id);
  return !CheckFailed();
}

std::optional<bool> AsyncOutputFs::CloseDone(std::uint64_t ticket) const {
  if (ticket == 0) return true;
  const Writer& writer = *writers_[ticket & ((1u << kWriterBits) - 1)];
  const std::uint64_t seq = ticket >> kWriterBits;
  if (writer.done_seq.load(std::memory_order_acquire) < seq) return std::nullopt;
  return seq < writer.failed_seq.load(std::memory_order_acquire);
}

bool AsyncOutputFs::MakeDirs(const std::string& dir) {
  if (dir.empty() || known_dirs_.count(dir) != 0) return true;
  // A file this run created may be in the way with its create still queued: the writers
  // catch up first, so the folder fails as it would with the file on disk.
  for (std::size_t slash = dir.find('/', 1);; slash = dir.find('/', slash + 1)) {
    if (used_names_.Contains(NameHash(dir.substr(0, slash)))) {
      if (!WaitIdle()) return false;
      break;
    }
    if (slash == std::string::npos) break;
  }
  if (!dirs_.MakeDirs(dir)) {
    error_ = dirs_.error();
    return false;
  }
  for (std::size_t slash = dir.find('/', 1); slash != std::string::npos;
       slash = dir.find('/', slash + 1)) {
    known_dirs_.insert(dir.substr(0, slash));
  }
  known_dirs_.insert(dir);
  return true;
}

OutputFs::PathKind AsyncOutputFs::Stat(const std::string& path) {
  // A file this run made may have its create still queued.
  if (used_names_.Contains(NameHash(path))) WaitIdle();
  return dirs_.Stat(path);
}

bool AsyncOutputFs::CheckWritable(const std::string& dir) {
  if (dirs_.CheckWritable(dir)) return true;
  error_ = dirs_.error();
  return false;
}

std::unique_ptr<std::streambuf> AsyncOutputFs::CreateStream(const std::string& path) {
  const std::uint64_t hash = NameHash(path);
  // An earlier file of that name may have writes queued: they land first, as for
  // CreateOrTruncate.
  if (used_names_.Contains(hash) && !WaitIdle()) return nullptr;
  std::unique_ptr<std::streambuf> file = dirs_.CreateStream(path);
  if (!file) {
    error_ = dirs_.error();
    return nullptr;
  }
  // A folder that holds only this file still counts as one this run started empty.
  used_names_.Insert(hash);
  return file;
}

std::size_t AsyncOutputFs::open_descriptors() const {
  // What the writers will hold once they catch up (what they hold now depends on timing).
  std::size_t total = 0;
  for (const auto& writer : writers_) total += std::min(writer->open_files, writer->budget);
  return total;
}

bool AsyncOutputFs::Flush() {
  return WaitIdle();
}

}  // namespace tcpflow
