// The raw baselines of bench/handler_cycle_bench.cpp that need no client library: the work one
// request cycle does on each backend, written directly against the standard library and POSIX,
// without the seam, id checks, virtual time or crash handling. `cycle/NAME/raw` next to
// `cycle/NAME/handler` in one run gives the handler's overhead (docs/benchmarks.md).

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <string>

#include "bench/cycle.hpp"

namespace ss::bench {
namespace {

constexpr std::int64_t now_s = 1'700'000'000;

// ---- memory: a std::map, as the memory handler's store is ------------------------------------

struct MemorySession {
  std::string data;
  std::int64_t mtime_s = 0;
};

void memory_raw(benchmark::State& state) {
  std::map<std::string, MemorySession> store;
  store[cycle_id] = MemorySession{cycle_payload(0), now_s};
  std::uint64_t n = 0;
  for (auto _ : state) {
    ++n;
    auto it = store.find(cycle_id);
    std::string read = it == store.end() ? std::string() : it->second.data;
    benchmark::DoNotOptimize(read);
    store[cycle_id] = MemorySession{cycle_payload(n), now_s};
  }
}
BENCHMARK(memory_raw)->Name("cycle/memory/raw")->UseRealTime();

// ---- files: open + flock + read + ftruncate + write + close of sess_<id> -----------------------

bool read_whole(int fd, std::string& out) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  out.resize(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(done));
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

bool write_whole(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n =
        ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(done));
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

/// What PHP's files handler does for one request: open (creating), lock, read, truncate,
/// write, close (which unlocks).
bool files_cycle(const std::string& dir, const std::string& data) {
  const std::string path = dir + "/sess_" + cycle_id;
  const int fd = ::open(path.c_str(), O_CREAT | O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  std::string read;
  const bool ok = ::flock(fd, LOCK_EX) == 0 && read_whole(fd, read) && ::ftruncate(fd, 0) == 0 &&
                  write_whole(fd, data);
  benchmark::DoNotOptimize(read);
  return ::close(fd) == 0 && ok;
}

void files_raw(benchmark::State& state) {
  const std::string dir = cycle_scratch_dir("files-raw");
  run_raw_cycles(
      state, [&](const std::string& data) { return files_cycle(dir, data); },
      [&] { return "files " + dir + ": " + std::strerror(errno); });
}
BENCHMARK(files_raw)->Name("cycle/files/raw")->UseRealTime();

// ---- table: one shared-memory row behind a robust process-shared mutex, written through to a
// sess_<id> file by write-to-temporary + rename (the table handler's crash-safe file) ----------

constexpr std::size_t row_bytes_max = 16 * 1024;

struct RawRow {
  pthread_mutex_t lock;
  std::uint64_t version;
  std::int64_t mtime_s;
  std::uint64_t data_len;
  char data[row_bytes_max];
};

/// A mapped one-row segment, unlinked and unmapped when done.
class RawSegment {
 public:
  RawSegment() : name_("/sessionspec-cycle-raw-" + std::to_string(::getpid())) {
    ::shm_unlink(name_.c_str());
    const int fd = ::shm_open(name_.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) return;
    void* map = MAP_FAILED;
    if (::ftruncate(fd, sizeof(RawRow)) == 0) {
      map = ::mmap(nullptr, sizeof(RawRow), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    }
    ::close(fd);
    if (map == MAP_FAILED) return;
    row_ = static_cast<RawRow*>(map);
    pthread_mutexattr_t attr;
    ::pthread_mutexattr_init(&attr);
    ::pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    ::pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    ::pthread_mutex_init(&row_->lock, &attr);
    ::pthread_mutexattr_destroy(&attr);
  }
  ~RawSegment() {
    if (row_ != nullptr) ::munmap(row_, sizeof(RawRow));
    ::shm_unlink(name_.c_str());
  }
  RawSegment(const RawSegment&) = delete;
  RawSegment& operator=(const RawSegment&) = delete;
  [[nodiscard]] RawRow* row() const { return row_; }

 private:
  std::string name_;
  RawRow* row_ = nullptr;
};

void lock_row(RawRow& r) {
  if (::pthread_mutex_lock(&r.lock) == EOWNERDEAD) ::pthread_mutex_consistent(&r.lock);
}

bool write_through(const std::string& dir, const std::string& data) {
  std::string temp = dir + "/.tmp-XXXXXX";
  const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) return false;
  const bool written = write_whole(fd, data);
  const bool closed = ::close(fd) == 0;
  const std::string target = dir + "/sess_" + cycle_id;
  return written && closed && ::rename(temp.c_str(), target.c_str()) == 0;
}

/// Read the row under its lock, then write file and row under it.
bool table_cycle(RawRow& r, const std::string& dir, const std::string& data) {
  lock_row(r);
  std::string read(r.data, r.data_len);
  ::pthread_mutex_unlock(&r.lock);
  benchmark::DoNotOptimize(read);
  lock_row(r);
  const bool ok = write_through(dir, data);
  if (ok) {
    std::memcpy(r.data, data.data(), data.size());
    r.data_len = data.size();
    r.mtime_s = now_s;
    ++r.version;
  }
  ::pthread_mutex_unlock(&r.lock);
  return ok;
}

void table_raw(benchmark::State& state) {
  const std::string dir = cycle_scratch_dir("table-raw");
  RawSegment segment;
  run_raw_cycles(
      state,
      [&](const std::string& data) {
        return segment.row() != nullptr && table_cycle(*segment.row(), dir, data);
      },
      [&] { return "table " + dir + ": " + std::strerror(errno); });
}
BENCHMARK(table_raw)->Name("cycle/table/raw")->UseRealTime();

}  // namespace
}  // namespace ss::bench
