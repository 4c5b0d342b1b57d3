// async_output_fs.h: an OutputFs that gathers writes into large chunks and leaves the system
// calls (create, write, set times, close) to background writer threads.
//
// Design note: the packet thread stays the only caller. It answers every question itself
// (whether a name is free, which handle a file gets) and queues the work; each file belongs to
// one writer thread (handle modulo the number of writers), so one file's operations run in the
// order they were made, and each writer owns a PosixOutputFs with its share of the descriptor
// budget. A name is known to be free without asking the file system when its directory was
// empty (or made by this run) and this run has not used the name; otherwise the packet thread
// looks (lstat), after letting the writers catch up when this run may have used it. Reopening
// a file this run wrote (OpenExisting) also lets the writers catch up first, since its earlier
// writes and close may be queued on another writer than the new handle's; it is meant for rare
// reopens, not for every write. Contiguous writes to a file are gathered, up to 256 KiB, in a
// chain of blocks, each twice the size of the one before (small files hold little memory, and
// no byte is copied again as a file's buffer grows); the chain goes to the disk in one gathered
// write, and its blocks come back for reuse. Buffered bytes stay under a PendingBudget (by
// default 16 MiB or 512 bytes per open file, whichever is more; past it, every file's buffered
// bytes are queued), so that with a million live flows their small files are still written
// once each; queued bytes stay under another 16 MiB, beyond which the packet thread waits for
// the writers. A file's create is queued together with its first buffered bytes (or its close),
// not when it is asked for: a small file whose bytes stay in memory until it is closed is
// created, written and closed in one go, and holds no descriptor in between (with more files
// open than descriptors, it is never closed and opened again). (Creating files early for writers
// that have nothing to do was tried: with more live files than descriptors each such file is
// opened twice, and the 1,000,000-connection benchmark got slower.) The per-handle state is
// small and never moves (a ChunkedArray), so a million handles cost no copying as they grow.
// Failures surface on the next call (the first error is kept, and every later call fails);
// CloseDone() tells whether a given close has reached the disk and whether everything that
// writer did up to it succeeded, so the report can vouch only for what is really on disk.
#ifndef TCPFLOW_ASYNC_OUTPUT_FS_H
#define TCPFLOW_ASYNC_OUTPUT_FS_H

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "large_memory.h"
#include "output_dir.h"

namespace tcpflow {

// How many bytes AsyncOutputFs keeps buffered before it queues every file's: `bytes`, or
// `bytes_per_file` for each open file if that is more (memory that grows with the live flows, as
// the flow table's does). 512 bytes a file holds a few small segments; with less, at a million
// live flows each file is created for its first bytes and opened again for the rest, which
// takes twice the time.
struct PendingBudget {
  std::size_t bytes = 16 * 1024 * 1024;
  std::size_t bytes_per_file = 512;
};

class AsyncOutputFs final : public OutputFs {
 public:
  // max_open: descriptors for all writers together (each gets at least one); writers: 1 to
  // kMaxWriters background threads. The threads start here with every signal blocked, so
  // signals keep reaching the packet thread.
  AsyncOutputFs(std::size_t max_open, std::size_t writers, PendingBudget pending = {});
  // Waits for every queued operation, then stops the threads.
  ~AsyncOutputFs() override;
  AsyncOutputFs(const AsyncOutputFs&) = delete;
  AsyncOutputFs& operator=(const AsyncOutputFs&) = delete;

  static constexpr std::size_t kMaxWriters = 8;

  CreateStatus CreateExclusive(const std::string& path, FileId* id) override;
  CreateStatus CreateOrTruncate(const std::string& path, FileId* id) override;
  bool OpenExisting(const std::string& path, FileId* id, std::uint64_t* size) override;
  bool WriteAt(FileId id, std::uint64_t offset, Bytes data) override;
  std::optional<std::size_t> ReadAt(FileId id, std::uint64_t offset,
                                    std::span<std::uint8_t> out) override;
  std::optional<std::size_t> ReadPath(const std::string& path, std::uint64_t offset,
                                      std::span<std::uint8_t> out) override;
  bool Close(FileId id, const Timeval* mtime) override;
  bool MakeDirs(const std::string& dir) override;
  // These three run on the packet thread, at once (after the writers caught up when this run
  // may have used the name); the stream is written by the packet thread too.
  PathKind Stat(const std::string& path) override;
  bool CheckWritable(const std::string& dir) override;
  std::unique_ptr<std::streambuf> CreateStream(const std::string& path) override;
  // The descriptors the writers hold once they have caught up (so it does not depend on timing).
  std::size_t open_descriptors() const override;
  std::uint64_t LastCloseTicket() const override { return last_close_ticket_; }
  std::optional<bool> CloseDone(std::uint64_t ticket) const override;
  bool Flush() override;
  void Prefetch(FileId id) const override;

 private:
  // A piece of a file's pending bytes; the pieces of one write are chained.
  struct Block {
    std::uint8_t* bytes = nullptr;  // in one of slabs_
    Block* next = nullptr;
    std::uint32_t size = 0;       // bytes used
    std::uint8_t size_class = 0;  // the capacity is BlockCapacity(size_class)
  };
  struct Op {
    enum class Kind : std::uint8_t {
      kCreateExclusive,
      kCreateOrTruncate,
      kOpenExisting,
      kWrite,
      kClose
    };
    Kind kind = Kind::kWrite;
    bool has_mtime = false;
    FileId id = 0;
    std::uint64_t seq = 0;
    std::uint64_t offset = 0;
    Timeval mtime;
    std::string path;               // creates and reopens
    Block* blocks = nullptr;        // writes: the bytes, in order
    std::size_t data_capacity = 0;  // writes: the blocks' capacity
  };
  // Operations handed to a writer together; a batch's vector is reused, never grown.
  using Batch = std::vector<Op>;
  // One background thread, its queue and the file system it alone touches while running.
  struct Writer {
    std::mutex mutex;
    std::condition_variable wake;  // work arrived, or stop
    std::condition_variable idle;  // the queue drained or bytes were freed
    std::vector<Batch> queue;      // guarded by mutex
    // Executed batches, handed back so that their memory is freed by the packet thread that
    // allocated it: a free from another thread would take the allocator's lock of that thread
    // (measured: writers then wait on it for a good part of a run of many small files).
    std::vector<Batch> spent;                           // guarded by mutex
    std::size_t queued_bytes = 0;                       // guarded by mutex
    bool busy = false;                                  // guarded by mutex: executing a batch
    bool stop = false;                                  // guarded by mutex
    std::atomic<std::uint64_t> done_seq{0};             // every op up to this one has run
    std::atomic<std::uint64_t> failed_seq{UINT64_MAX};  // the first op that failed
    std::unique_ptr<PosixOutputFs> fs;
    std::size_t budget = 1;            // descriptors it may keep open
    std::size_t open_files = 0;        // handles open on it (packet thread only)
    Batch outbox;                      // operations not handed over yet (packet thread only)
    std::size_t outbox_bytes = 0;      // (packet thread only)
    std::vector<Batch> returned;       // spent batches taken back (packet thread only)
    std::vector<Batch> empty_batches;  // emptied, for the next outboxes (packet thread only)
    std::vector<FileId> inner;         // our handle -> fs's handle (writer thread only)
    std::vector<Bytes> pieces;         // a write's blocks (writer thread only)
    std::thread thread;
  };
  // A set of 64-bit name hashes: open addressing with linear probing, at most half full, so a
  // name costs no allocation (a node-based set mallocs one node per name).
  class HashSet {
   public:
    bool Contains(std::uint64_t hash) const;
    void Insert(std::uint64_t hash);

   private:
    std::size_t Find(std::uint64_t key) const;  // key's slot, or the empty slot ending its run
    LargeVector<std::uint64_t> slots_;          // 0 is empty; a hash of 0 is kept as 1
    std::size_t size_ = 0;
  };
  // What the packet thread keeps for each open handle (small: a million live flows have a
  // million of them).
  struct FileState {
    bool open = false;
    bool create_held = false;  // the create is not queued yet (it goes with the first write)
    Op::Kind create_kind = Op::Kind::kCreateExclusive;
    std::uint8_t next_class = 0;       // the smallest class of the chain's next block
    std::string create_path;           // while create_held
    std::uint64_t pending_offset = 0;  // where the pending bytes go (or would go next)
    std::uint64_t pending_size = 0;
    std::size_t pending_capacity = 0;
    Block* pending = nullptr;  // contiguous bytes not yet queued
    Block* pending_tail = nullptr;
  };

  // The budget an operation takes while it is queued: its data and a fixed overhead.
  static std::size_t CostOf(const Op& op);
  void Run(Writer& writer);
  // Runs one operation on the writer's file system; false with *error set on failure.
  bool Execute(Writer& writer, Op& op, std::string* error);
  CreateStatus Create(const std::string& path, Op::Kind kind, FileId* id);
  bool IsFreshDir(const std::string& dir);
  FileId NewHandle();
  Writer& WriterOf(FileId id) { return *writers_[id % writers_.size()]; }
  void Enqueue(Op op);
  void Handover(Writer& writer);  // moves the writer's outbox into its queue
  // Moves the handle's held create and pending bytes into its writer's outbox.
  void QueuePending(FileId id);
  // Copies data to the end of the file's pending chain, adding blocks as needed.
  void Append(FileState& file, Bytes data);
  void QueueAllPending();
  bool WaitIdle();     // every writer idle with an empty queue; false if any failed
  bool CheckFailed();  // copies the first writer error into error_; true if there is one
  bool Usable(FileId id);
  Block* TakeBlock(std::uint8_t size_class);  // an empty block
  void RecycleBlocks(Block* chain);           // keeps them for the next TakeBlock

  std::vector<std::unique_ptr<Writer>> writers_;
  ChunkedArray<FileState> files_;  // by handle; entries never move
  std::vector<FileId> free_ids_;
  std::vector<FileId> pending_ids_;  // handles whose pending buffer is not empty
  PendingBudget pending_budget_;
  std::size_t pending_capacity_ = 0;  // bytes allocated by the pending buffers
  std::uint64_t next_seq_ = 0;
  std::uint64_t last_close_ticket_ = 0;
  HashSet used_names_;                                // hashes of every path this run created
  std::unordered_set<std::string> known_dirs_;        // folders made or seen (and their parents)
  std::unordered_map<std::string, bool> fresh_dirs_;  // directory -> held only our names
  PosixOutputFs dirs_{1};  // makes folders for the packet thread (and remembers them)
  // Every block, and the memory of their bytes, is owned here; chains and spare lists point into
  // them. Block bytes are cut from slabs (each class's next slab twice its last, from 64 KiB to
  // 4 MiB, the big ones in huge pages) and are freed only with the object, so buffering costs no
  // malloc per file: the memory kept is the peak of buffered and queued bytes (bounded by the
  // budgets above).
  std::deque<Block> blocks_;  // a deque: adding a block never moves the others
  std::vector<LargeBlock> slabs_;
  struct SlabSpace {
    std::uint8_t* next = nullptr;
    std::size_t blocks_left = 0;
    std::size_t last_slab_bytes = 0;
  };
  std::vector<SlabSpace> slab_space_;  // by class: the rest of its latest slab
  // Blocks back from the writers (through their spent operations), by class.
  std::vector<std::vector<Block*>> spare_blocks_;
  std::mutex error_mutex_;
  std::string first_error_;  // guarded by error_mutex_
  std::atomic<bool> failed_{false};
};

}  // namespace tcpflow

#endif  // TCPFLOW_ASYNC_OUTPUT_FS_H
