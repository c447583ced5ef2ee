#include "handlers/table_handler.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <new>
#include <optional>
#include <vector>

#include "base/fd_guard.hpp"
#include "base/printable.hpp"
#include "handlers/factories.hpp"
#include "handlers/merge.hpp"
#include "model/engine.hpp"  // valid_session_id, php_made_id, session_id_bytes_max
#include "model/rng.hpp"

namespace ss::handlers {

using base::FdGuard;

namespace {

/// "sstable1", so that a foreign segment under our name is refused rather than misread.
constexpr std::uint64_t segment_magic = 0x31656c6261747373ULL;
/// Bumped whenever SegmentHeader or RowHeader change.
constexpr std::uint32_t segment_layout = 2;
/// Rows start on cache-line boundaries so that two rows' locks never share a line.
constexpr std::size_t row_align = 64;
constexpr std::size_t id_bytes_max = model::session_id_bytes_max;
/// The dir is stored in the header so that processes disagreeing about it are refused.
constexpr std::size_t dir_bytes_max = 4096;
/// NAME_MAX: no file name is longer, so ids over 250 bytes cannot have a sess_ file.
constexpr std::size_t file_name_bytes_max = 255;
constexpr std::string_view file_prefix = "sess_";
/// Temporary files are written, then renamed over sess_<id>; never loaded or collected.
constexpr std::string_view temp_prefix = ".tmp-";
/// The max lifetime of the last gc() call, for rebuilding the table after a restart.
constexpr std::string_view gc_hint_name = ".gc_maxlifetime_s";
constexpr std::size_t table_name_bytes_max = 200;
/// A lookup restarts when the row it waited for was removed meanwhile; bounded.
constexpr int lookup_rounds_max = 8;
/// A write retries when its id appears or disappears between lookup and insert; bounded.
constexpr int commit_rounds_max = 8;
/// A write that loses its compare-and-swap merges with the new current session and tries again,
/// at most this many times in all; then it fails with ErrorCode::conflict.
constexpr int cas_attempts_max = 4;
/// Hard cap on lock attempts, in case an IoPoints never says stop.
constexpr int lock_attempts_max = 1 << 20;
/// Attaching waits for a live creating process to finish loading the files: 30,000 x 1 ms at
/// most, then fails with ErrorCode::timeout. A creator that died is noticed at once (its lock on
/// the segment is free while the segment is not ready) and the segment is rebuilt.
constexpr int ready_polls_max = 30'000;
constexpr long ready_poll_ns = 1'000'000;
/// Opening restarts when the segment it found was removed or replaced meanwhile (a dead
/// creator's segment being rebuilt by another process); bounded.
constexpr int open_attempts_max = 16;
/// Names the table a directory belongs to: `fresh=1` removes sess_ files only where it is.
constexpr std::string_view marker_name = ".sessionspec-table";
/// Like PHP's own create_sid: give up after 3 colliding ids.
constexpr int sid_tries_max = 3;
constexpr std::size_t no_row = static_cast<std::size_t>(-1);

enum RowState : std::uint32_t { row_empty = 0, row_used = 1, row_tombstone = 2 };
/// Why a tombstone's session went away: a request that read it and writes it back must not
/// revive a destroyed session, but may store one that gc collected (as if it had finished first).
enum Removal : std::uint32_t { removal_unknown = 0, removal_destroy = 1, removal_gc = 2 };

static_assert(std::atomic<std::uint64_t>::is_always_lock_free);
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(std::atomic<std::int64_t>::is_always_lock_free);

// Both structs live in MAP_SHARED memory and are used by several processes at once, so they hold
// only lock-free atomics (address-free), plain data and process-shared robust mutexes.
struct SegmentHeader {
  std::uint64_t magic = 0;
  std::uint32_t layout = 0;
  /// 0 while the creating process initialises and loads files, then 1 (release).
  std::atomic<std::uint32_t> ready{0};
  std::uint64_t rows_max = 0;
  std::uint64_t row_bytes_max = 0;
  /// Versions come from one counter, so a row destroyed and created again never repeats a
  /// version a request may still hold (no ABA through destroy + recreate).
  std::atomic<std::uint64_t> version_clock{0};
  /// -1 until the first gc() call.
  std::atomic<std::int64_t> last_gc_max_s{-1};
  /// Serialises inserts, so that two requests cannot claim two rows for one id.
  pthread_mutex_t insert_lock;
  char dir[dir_bytes_max] = {};
};

// Rows are used in place from zero-filled memory (ftruncate); a row's mutex is initialised when
// the row is first claimed (lock_ready), so an untouched row costs no memory.
struct RowHeader {
  pthread_mutex_t lock;
  std::atomic<std::uint32_t> lock_ready;
  /// RowState; read without the lock while probing, changed only under it.
  std::atomic<std::uint32_t> state;
  /// Hash of the id, so that probing compares ids only for likely matches.
  std::atomic<std::uint64_t> id_hash;
  /// 1 while the holder changes the row or its file; a lock inherited from a dead holder
  /// (EOWNERDEAD) with dirty == 1 means the row may be torn and is rebuilt from its file.
  std::atomic<std::uint32_t> dirty;
  std::uint32_t id_len;
  /// Removal, for a tombstone; the row lock guards it.
  std::uint32_t removal;
  /// The version of the session it holds (a tombstone: of the session it held last).
  std::uint64_t version;
  std::int64_t mtime_s;
  std::uint64_t data_len;
  char id[id_bytes_max];
};

/// now_s - mtime_s > max_s without overflow: a row's mtime is whatever shared memory holds.
bool expired(std::int64_t now_s, std::int64_t mtime_s, std::int64_t max_s) {
  std::int64_t age = 0;
  if (__builtin_sub_overflow(now_s, mtime_s, &age)) return mtime_s < 0;
  return age > max_s;
}

constexpr std::size_t round_up(std::size_t n, std::size_t to) {
  return (n + to - 1) / to * to;
}
constexpr std::size_t header_bytes() {
  return round_up(sizeof(SegmentHeader), row_align);
}
constexpr std::size_t row_stride(std::size_t row_bytes) {
  return round_up(sizeof(RowHeader) + row_bytes, row_align);
}

HandlerError table_error(const std::string& what, const std::string& path, int err) {
  return fail(ErrorCode::io, "table: " + what + " " + path + ": " + std::strerror(err));
}
HandlerError table_error(const std::string& what, const std::string& path) {
  return table_error(what, path, errno);
}

/// FNV-1a: stable across processes and builds (std::hash is not).
std::uint64_t id_hash(std::string_view id) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : id) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

bool file_name_fits(const std::string& id) {
  return file_prefix.size() + id.size() <= file_name_bytes_max;
}

/// Ids the table keeps: PHP's charset, and short enough for a sess_<id> file (Guarantees say so).
bool valid_id(const std::string& id) {
  return model::valid_session_id(id) && file_name_fits(id);
}
std::string file_path(const std::string& dir, std::string_view name) {
  return dir + "/" + std::string(name);
}
std::string session_path(const std::string& dir, const std::string& id) {
  return file_path(dir, std::string(file_prefix) + id);
}

bool init_robust_mutex(pthread_mutex_t* m) {
  pthread_mutexattr_t attr;
  if (::pthread_mutexattr_init(&attr) != 0) return false;
  const bool ok = ::pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) == 0 &&
                  ::pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST) == 0 &&
                  ::pthread_mutex_init(m, &attr) == 0;
  ::pthread_mutexattr_destroy(&attr);
  return ok;
}

/// Unlocks a held mutex when it goes out of scope (including when a coroutine frame dies).
class LockGuard {
 public:
  explicit LockGuard(pthread_mutex_t* m) : m_(m) {}
  LockGuard(LockGuard&& o) noexcept : m_(std::exchange(o.m_, nullptr)) {}
  LockGuard& operator=(LockGuard&& o) noexcept {
    if (this != &o) {
      reset();
      m_ = std::exchange(o.m_, nullptr);
    }
    return *this;
  }
  ~LockGuard() { reset(); }
  void reset() {
    if (m_ != nullptr) ::pthread_mutex_unlock(std::exchange(m_, nullptr));
  }
  [[nodiscard]] bool held() const { return m_ != nullptr; }

 private:
  pthread_mutex_t* m_;
};

struct FileContent {
  std::string bytes;
  std::int64_t mtime_s = 0;
};

// Reads a whole file of at most `limit` bytes, without following symlinks. Only regular files
// with one link, owned by us, are read: the directory is ours (prepare_dir), so anything else
// was put there to be read through us.
Result<FileContent> read_file_limited(const std::string& path, std::size_t limit) {
  // O_NONBLOCK: a FIFO planted under a session's name must not hang us before fstat refuses it.
  FdGuard g{::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)};
  if (g.fd < 0) return table_error("cannot open", path);
  struct stat st {};
  if (::fstat(g.fd, &st) != 0) return table_error("cannot stat", path);
  if (!S_ISREG(st.st_mode)) return fail(ErrorCode::io, "table: " + path + " is not a file");
  if (st.st_nlink != 1 || st.st_uid != ::geteuid()) {
    return fail(ErrorCode::io, "table: " + path + " has " + std::to_string(st.st_nlink) +
                                   " links and belongs to uid " + std::to_string(st.st_uid) +
                                   " (want 1 link, uid " + std::to_string(::geteuid()) + ")");
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size > limit) {
    return fail(ErrorCode::capacity,
                "table: " + path + " holds " + std::to_string(size) +
                    " bytes, more than row_bytes_max=" + std::to_string(limit));
  }
  FileContent out{std::string(size, '\0'), st.st_mtime};
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(g.fd, out.bytes.data() + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return table_error("cannot read", path);
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  out.bytes.resize(done);
  return out;
}

// Writes `target` (a file in dir) by renaming a complete temporary file over it: the file
// always holds either the old or the new bytes, never a mix, whenever a writer dies. The mtime
// comes from the handler's clock so that gc and reloads follow virtual time.
Status write_file_atomic(const std::string& dir, const std::string& target, std::string_view bytes,
                         std::int64_t mtime_s) {
  std::string temp = file_path(dir, std::string(temp_prefix) + "XXXXXX");
  FdGuard g{::mkostemp(temp.data(), O_CLOEXEC)};
  if (g.fd < 0) return table_error("cannot create a temporary file in", dir);
  auto failed = [&](const char* what) {
    const int err = errno;
    ::unlink(temp.c_str());
    return Status(table_error(what, temp, err));
  };
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(g.fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return failed("cannot write");
    done += static_cast<std::size_t>(n);
  }
  struct timespec times[2] = {{mtime_s, 0}, {mtime_s, 0}};
  if (::futimens(g.fd, times) != 0) return failed("cannot set mtime of");
  if (::close(std::exchange(g.fd, -1)) != 0) return failed("cannot close");
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    return failed(("cannot rename over " + target + ":").c_str());
  }
  return ok_status();
}

std::optional<std::int64_t> read_gc_hint(const std::string& dir) {
  auto hint = read_file_limited(file_path(dir, gc_hint_name), 32);
  if (!hint) return std::nullopt;
  std::int64_t v = 0;
  const auto& s = hint.value().bytes;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

bool ours_to_clear(std::string_view name) {
  return name.starts_with(file_prefix) || name.starts_with(temp_prefix) || name == gc_hint_name;
}

/// How many sess_ files `dir` holds (for the marker decision and fresh=1's refusal).
Result<std::size_t> count_sessions(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return table_error("cannot list", dir);
  std::size_t n = 0;
  while (dirent* e = ::readdir(d)) n += std::string_view(e->d_name).starts_with(file_prefix);
  ::closedir(d);
  return n;
}

/// The table NAME the directory's marker names, or "" when it has none.
std::string marker_owner(const std::string& dir) {
  auto marker = read_file_limited(file_path(dir, marker_name), table_name_bytes_max + 1);
  if (!marker) return {};
  std::string name = marker.value().bytes;
  while (!name.empty() && name.back() == '\n') name.pop_back();
  return name;
}

// The marker says "every sess_ file here was written by table NAME". It is written into a
// directory the table creates, or adopts while the directory holds no sessions; a directory
// that already held sess_ files (PHP's, say) never gets one.
Status claim_dir(const TableConfig& c, bool created) {
  if (!created) {
    const std::string owner = marker_owner(c.dir);
    if (!owner.empty()) return ok_status();
    auto sessions = count_sessions(c.dir);
    if (!sessions) return sessions.error();
    if (sessions.value() > 0) return ok_status();
  }
  return write_file_atomic(c.dir, file_path(c.dir, marker_name), c.name + "\n", ::time(nullptr));
}

// ?fresh=1: an empty table. Other processes still mapping the old segment keep it until they
// close it; new backends get a new one. Session files are removed only from a directory whose
// marker names this table: fresh=1 never deletes sessions another program wrote (issue #14, D5:
// pointed at a PHP session directory, it used to delete every sess_ file there).
Status start_fresh(const TableConfig& c) {
  const std::string owner = marker_owner(c.dir);
  if (owner != c.name) {
    auto sessions = count_sessions(c.dir);
    if (!sessions) return sessions.error();
    return fail(ErrorCode::unsupported,
                "table: fresh=1 refused: " + c.dir + " holds " + std::to_string(sessions.value()) +
                    " sess_ files that table " + c.name + " did not write (" +
                    (owner.empty() ? "no " + std::string(marker_name) + " marker"
                                   : "its marker names table " + owner) +
                    "); use a directory of its own, or empty this one yourself");
  }
  const std::string shm = table_shm_name(c.name);
  if (::shm_unlink(shm.c_str()) != 0 && errno != ENOENT) return table_error("cannot unlink", shm);
  DIR* d = ::opendir(c.dir.c_str());
  if (d == nullptr) return table_error("cannot list", c.dir);
  while (dirent* e = ::readdir(d)) {
    if (ours_to_clear(e->d_name)) ::unlink(file_path(c.dir, e->d_name).c_str());
  }
  ::closedir(d);
  return ok_status();
}

// The directory (by default /tmp/sessionspec-table-NAME, a name anyone can predict) must be a
// real directory of ours that nobody else can write to; otherwise another user could plant
// sessions in it or move ours away (issue #14, D6). Its last component is not followed if it
// is a symbolic link.
Status check_dir(const std::string& dir) {
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return table_error("cannot stat", dir);
  if (S_ISLNK(st.st_mode)) {
    return fail(ErrorCode::io, "table: " + dir + " is a symbolic link; give the real directory");
  }
  if (!S_ISDIR(st.st_mode)) return fail(ErrorCode::io, "table: " + dir + " is not a directory");
  if (st.st_uid != ::geteuid()) {
    return fail(ErrorCode::io, "table: " + dir + " belongs to uid " + std::to_string(st.st_uid) +
                                   ", not to this process (uid " + std::to_string(::geteuid()) +
                                   ")");
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return fail(ErrorCode::io, "table: " + dir + " (mode " + mode +
                                   ") is writable by its group or others; chmod go-w it");
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) return table_error("cannot write to", dir);
  return ok_status();
}

Status prepare_dir(const TableConfig& c) {
  const bool created = ::mkdir(c.dir.c_str(), 0700) == 0;
  if (!created && errno != EEXIST) return table_error("cannot create directory", c.dir);
  if (Status safe = check_dir(c.dir); !safe) return safe;
  if (Status claimed = claim_dir(c, created); !claimed) return claimed;
  return c.fresh ? start_fresh(c) : ok_status();
}

}  // namespace

/// The mapping of one table and what every handler of a backend shares.
struct TableShared {
  TableShared(TableConfig c, std::uint64_t seed)
      : config(std::move(c)), rng(model::Rng::for_handler_ids(seed)) {}
  ~TableShared() {
    if (base != nullptr) ::munmap(base, bytes);
    if (fd >= 0) ::close(fd);
  }
  TableShared(const TableShared&) = delete;
  TableShared& operator=(const TableShared&) = delete;

  [[nodiscard]] SegmentHeader& header() const { return *reinterpret_cast<SegmentHeader*>(base); }
  [[nodiscard]] RowHeader& row(std::size_t i) const {
    return *reinterpret_cast<RowHeader*>(base + header_bytes() + i * stride);
  }
  [[nodiscard]] char* data(std::size_t i) const {
    return reinterpret_cast<char*>(base + header_bytes() + i * stride + sizeof(RowHeader));
  }
  [[nodiscard]] std::size_t probe_len() const {
    return std::min(config.rows_max, table_probe_rows_max);
  }
  [[nodiscard]] std::size_t slot(std::uint64_t hash, std::size_t step) const {
    return (hash % config.rows_max + step) % config.rows_max;
  }
  std::uint64_t next_version() const { return header().version_clock.fetch_add(1) + 1; }
  [[nodiscard]] std::size_t rows_in_use() const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < config.rows_max; ++i) {
      n += row(i).state.load(std::memory_order_acquire) == row_used ? 1 : 0;
    }
    return n;
  }

  /// The segment still has the size it was mapped with. A segment file cut short under the
  /// mapping (by another process) would turn the next access into SIGBUS, so every operation
  /// checks first (one fstat).
  [[nodiscard]] std::optional<HandlerError> truncated() const {
    struct stat st {};
    if (::fstat(fd, &st) == 0 && static_cast<std::size_t>(st.st_size) >= bytes) return {};
    return fail(ErrorCode::io, "table " + config.name + ": segment " + table_shm_name(config.name) +
                                   " is no longer " + std::to_string(bytes) +
                                   " bytes long (truncated by another process?)");
  }

  TableConfig config;
  std::byte* base = nullptr;
  std::size_t bytes = 0;
  std::size_t stride = 0;
  /// The segment's descriptor, kept open for truncated().
  int fd = -1;
  model::Rng rng;
};

namespace {

// `id` is a valid id (at most id_bytes_max bytes), so comparing id_len with its size first
// keeps the memcmp inside the row whatever id_len holds.
bool row_holds(const RowHeader& r, std::string_view id) {
  return r.state.load(std::memory_order_acquire) == row_used && r.id_len == id.size() &&
         std::memcmp(r.id, id.data(), id.size()) == 0;
}

/// The id a row holds, or nullopt when its length or bytes are not those of a valid id: lengths
/// and ids in shared memory are whatever the last writer left, and an id becomes a file path.
std::optional<std::string> row_id(const RowHeader& r) {
  if (r.id_len > id_bytes_max) return std::nullopt;
  std::string id(r.id, r.id_len);
  if (!valid_id(id)) return std::nullopt;
  return id;
}

/// The payload of row i, or an error naming the row when its length is out of bounds (issue
/// #14, D15: a corrupt data_len used to end in SIGBUS or std::length_error).
Result<std::string_view> row_data(const TableShared& s, std::size_t i) {
  const std::uint64_t n = s.row(i).data_len;
  if (n > s.config.row_bytes_max) {
    return fail(ErrorCode::io, "table " + s.config.name + ": row " + std::to_string(i) +
                                   " is corrupt (data_len=" + std::to_string(n) +
                                   ", row_bytes_max=" + std::to_string(s.config.row_bytes_max) +
                                   ")");
  }
  return std::string_view(s.data(i), static_cast<std::size_t>(n));
}

// Copies a session into row i under a new version. The caller holds the lock and has set dirty.
void store_payload(const TableShared& s, std::size_t i, std::string_view data,
                   std::int64_t mtime_s) {
  RowHeader& r = s.row(i);
  if (!data.empty()) std::memcpy(s.data(i), data.data(), data.size());
  r.data_len = data.size();
  r.mtime_s = mtime_s;
  r.version = s.next_version();
}

// The previous holder died with the lock. Rows change only while dirty, and the file is the
// commit point (renamed into place before the row is copied, unlinked before the row is
// removed), so a dirty row is rebuilt from its file under a new version: a request that read
// the row before then merges with the rebuilt bytes instead of overwriting bytes it never saw.
void repair_row(const TableShared& s, std::size_t i) {
  RowHeader& r = s.row(i);
  if (r.dirty.load(std::memory_order_acquire) == 0) return;
  if (r.state.load(std::memory_order_acquire) == row_used) {
    const auto id = row_id(r);
    auto file = id ? read_file_limited(session_path(s.config.dir, *id), s.config.row_bytes_max)
                   : Result<FileContent>(fail(ErrorCode::io, "corrupt id"));
    if (file) {
      store_payload(s, i, file.value().bytes, file.value().mtime_s);
    } else {
      r.removal = removal_unknown;
      r.state.store(row_tombstone, std::memory_order_release);
    }
  }
  r.dirty.store(0, std::memory_order_release);
}

// The first tombstone or empty row in the id's probe window (tombstones keep chains intact).
std::optional<std::size_t> free_row(const TableShared& s, std::uint64_t hash) {
  std::optional<std::size_t> tombstone;
  for (std::size_t step = 0; step < s.probe_len(); ++step) {
    const std::size_t i = s.slot(hash, step);
    const std::uint32_t state = s.row(i).state.load(std::memory_order_acquire);
    if (state == row_empty) return tombstone.value_or(i);
    if (state == row_tombstone && !tombstone) tombstone = i;
  }
  return tombstone;
}

HandlerError table_full(const TableShared& s) {
  return fail(ErrorCode::capacity,
              "table " + s.config.name + " is full: no free row within table_probe_rows_max=" +
                  std::to_string(table_probe_rows_max) +
                  " rows of the id's home row (rows_max=" + std::to_string(s.config.rows_max) +
                  ", rows in use=" + std::to_string(s.rows_in_use()) + ")");
}

// Claims a free row for a session found in the dir while the segment is being created (no other
// process can see the segment yet, so no locks are taken).
Status place_loaded(const TableShared& s, const std::string& id, const FileContent& file) {
  const std::uint64_t hash = id_hash(id);
  auto i = free_row(s, hash);
  if (!i) return table_full(s);
  RowHeader& r = s.row(*i);
  if (!init_robust_mutex(&r.lock)) return fail(ErrorCode::io, "table: cannot create a row lock");
  r.lock_ready.store(1, std::memory_order_release);
  std::memcpy(r.id, id.data(), id.size());
  r.id_len = static_cast<std::uint32_t>(id.size());
  r.id_hash.store(hash, std::memory_order_release);
  store_payload(s, *i, file.bytes, file.mtime_s);
  r.state.store(row_used, std::memory_order_release);
  return ok_status();
}

// Rebuilds the rows from the sess_ files. A file older than the last gc max lifetime (or ttl_s)
// is expired: it is removed, not revived with a fresh lifetime (ZealPHP R1). Loaded rows keep
// the file's mtime, so a restart never extends a session's life.
Status load_files(const TableShared& s, const Clock& clock) {
  const std::int64_t horizon_s = read_gc_hint(s.config.dir).value_or(s.config.ttl_s);
  const std::int64_t now_s = clock.now_s();
  DIR* d = ::opendir(s.config.dir.c_str());
  if (d == nullptr) return table_error("cannot list", s.config.dir);
  Status result = ok_status();
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (!name.starts_with(file_prefix)) continue;
    const std::string id = name.substr(file_prefix.size());
    const std::string path = file_path(s.config.dir, name);
    struct stat st {};
    if (!model::valid_session_id(id) || ::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      continue;
    }
    if (now_s - st.st_mtime > horizon_s) {
      ::unlink(path.c_str());
      continue;
    }
    auto file = read_file_limited(path, s.config.row_bytes_max);
    if (file) result = place_loaded(s, id, file.value());
    if (!file) result = file.error();
    if (!result) break;
  }
  ::closedir(d);
  return result;
}

// We created the segment: size it, initialise the header, load the files, then publish it.
// On failure the segment is unlinked so that the next attempt starts over.
Status create_segment(TableShared& s, int fd, const std::string& shm, const Clock& clock) {
  auto undo = [&](HandlerError e) {
    ::shm_unlink(shm.c_str());
    return Status(std::move(e));
  };
  if (::ftruncate(fd, static_cast<off_t>(s.bytes)) != 0)
    return undo(table_error("cannot size", shm));
  void* map = ::mmap(nullptr, s.bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return undo(table_error("cannot map", shm));
  s.base = static_cast<std::byte*>(map);
  auto* h = new (s.base) SegmentHeader();
  h->magic = segment_magic;
  h->layout = segment_layout;
  h->rows_max = s.config.rows_max;
  h->row_bytes_max = s.config.row_bytes_max;
  std::memcpy(h->dir, s.config.dir.data(), s.config.dir.size());
  if (!init_robust_mutex(&h->insert_lock)) {
    return undo(fail(ErrorCode::io, "table: cannot create the insert lock"));
  }
  auto loaded = load_files(s, clock);
  if (!loaded) return undo(loaded.error());
  h->ready.store(1, std::memory_order_release);
  return ok_status();
}

void pause_briefly() {
  struct timespec ts {
    0, ready_poll_ns
  };
  ::nanosleep(&ts, nullptr);
}

/// `fd` is the segment `shm` names now, not one removed (or removed and re-created) since.
bool names_segment(const std::string& shm, int fd) {
  FdGuard now{::shm_open(shm.c_str(), O_RDONLY | O_CLOEXEC, 0)};
  struct stat named {};
  struct stat ours {};
  return now.fd >= 0 && ::fstat(now.fd, &named) == 0 && ::fstat(fd, &ours) == 0 &&
         named.st_dev == ours.st_dev && named.st_ino == ours.st_ino;
}

// The segment's name is predictable too: another user could create it first and then read and
// change every session through it. Only a segment of ours, closed to others, is used (D6).
Status check_segment_owner(int fd, const std::string& shm) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return table_error("cannot stat", shm);
  if (st.st_uid == ::geteuid() && (st.st_mode & 077) == 0) return ok_status();
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return fail(ErrorCode::io, "table: segment " + shm + " belongs to uid " +
                                 std::to_string(st.st_uid) + " with mode " + mode +
                                 "; a table's segment must be its owner's alone (uid " +
                                 std::to_string(::geteuid()) + ", mode 0600)");
}

/// The creator has published the segment (looked at through a read-only map of its header).
bool segment_ready(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0 || static_cast<std::size_t>(st.st_size) < header_bytes()) return false;
  void* map = ::mmap(nullptr, header_bytes(), PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return false;
  const bool ready =
      static_cast<const SegmentHeader*>(map)->ready.load(std::memory_order_acquire) == 1;
  ::munmap(map, header_bytes());
  return ready;
}

// The creator holds an exclusive flock on the segment from creating it until it is ready.
// Having the lock proves nobody removed the segment meanwhile only if the name still leads to
// it: an attacher may have taken the lock first and removed it (see wait_until_ready).
Result<bool> try_create(TableShared& s, int fd, const std::string& shm, const Clock& clock) {
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0 || !names_segment(shm, fd)) return false;
  Status created = create_segment(s, fd, shm, clock);
  ::flock(fd, LOCK_UN);
  if (!created) return created.error();
  return true;
}

// Waits (bounded) for the creator to publish the segment. A free lock on a segment that is not
// ready means its creator died (a killed process drops its flocks): the segment is removed --
// only the segment; the sessions are in the files -- and the caller starts over, creating it
// again from the files (issue #14, D5: this used to fail after 2 s and advise ?fresh=1, which
// deleted every session). False: start over.
Result<bool> wait_until_ready(int fd, const std::string& shm, const std::string& dir) {
  for (int polls = 0; polls < ready_polls_max; ++polls, pause_briefly()) {
    if (segment_ready(fd)) return true;
    if (!names_segment(shm, fd)) return false;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) continue;  // its creator is alive and loading
    const bool ready = segment_ready(fd);
    if (!ready && names_segment(shm, fd)) ::shm_unlink(shm.c_str());
    ::flock(fd, LOCK_UN);
    return ready ? Result<bool>(true) : Result<bool>(false);
  }
  return fail(ErrorCode::timeout, "table: the process creating " + shm + " has been loading " +
                                      dir + " for " + std::to_string(ready_polls_max) +
                                      " ms and is still alive; try again when it is done");
}

// Checks that a published segment is ours, whole, and has the geometry this URI asks for, then
// maps it.
Status map_attached(TableShared& s, int fd, const std::string& shm) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return table_error("cannot stat", shm);
  const std::size_t want_bytes = header_bytes() + s.config.rows_max * s.stride;
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size < header_bytes()) {
    return fail(ErrorCode::io,
                "table: " + shm + " is truncated (" + std::to_string(size) + " bytes)");
  }
  s.bytes = std::min(size, want_bytes);
  void* map = ::mmap(nullptr, s.bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return table_error("cannot map", shm);
  s.base = static_cast<std::byte*>(map);
  const SegmentHeader& h = s.header();
  if (h.magic != segment_magic || h.layout != segment_layout) {
    return fail(ErrorCode::io, "table: " + shm + " is not a sessionspec table of this version");
  }
  const std::string dir(h.dir, ::strnlen(h.dir, dir_bytes_max));
  const bool same = h.rows_max == s.config.rows_max && h.row_bytes_max == s.config.row_bytes_max &&
                    dir == s.config.dir;
  if (same && size != want_bytes) {
    return fail(ErrorCode::io, "table: " + shm + " is truncated (" + std::to_string(size) +
                                   " bytes, its rows need " + std::to_string(want_bytes) +
                                   "); remove the segment (the sessions stay in their files)");
  }
  if (!same) {
    return fail(ErrorCode::io, "table: " + shm + " exists with rows=" + std::to_string(h.rows_max) +
                                   " row_bytes=" + std::to_string(h.row_bytes_max) +
                                   " dir=" + base::printable(dir) + " (" + std::to_string(size) +
                                   " bytes); open it with the same parameters, or remove the "
                                   "segment (the sessions stay in their files)");
  }
  return ok_status();
}

Result<bool> attach_segment(TableShared& s, int fd, const std::string& shm) {
  if (Status owned = check_segment_owner(fd, shm); !owned) return owned.error();
  auto ready = wait_until_ready(fd, shm, s.config.dir);
  if (!ready || !ready.value()) return ready;
  if (Status mapped = map_attached(s, fd, shm); !mapped) return mapped.error();
  return true;
}

// Creates the segment, or attaches to the one that exists. Either can find that another process
// removed the segment meanwhile (rebuilding a dead creator's), and then starts over.
Result<std::shared_ptr<TableShared>> open_segment(const TableConfig& c, std::uint64_t seed,
                                                  const Clock& clock) {
  const std::string shm = table_shm_name(c.name);
  for (int attempt = 0; attempt < open_attempts_max; ++attempt) {
    auto s = std::make_shared<TableShared>(c, seed);
    s->stride = row_stride(c.row_bytes_max);
    s->bytes = header_bytes() + c.rows_max * s->stride;
    FdGuard fd{::shm_open(shm.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0600)};
    Result<bool> done = false;
    if (fd.fd >= 0) {
      done = try_create(*s, fd.fd, shm, clock);
    } else if (errno == EEXIST) {
      fd.fd = ::shm_open(shm.c_str(), O_RDWR | O_CLOEXEC, 0600);
      if (fd.fd < 0 && errno == ENOENT) continue;
      if (fd.fd < 0) return table_error("cannot open", shm);
      done = attach_segment(*s, fd.fd, shm);
    } else {
      return table_error("cannot create", shm);
    }
    if (!done) return done.error();
    if (!done.value()) continue;
    s->fd = fd.release();
    return s;
  }
  return fail(ErrorCode::io, "table: " + shm + " kept being removed and created again while " +
                                 "opening it (" + std::to_string(open_attempts_max) + " attempts)");
}

/// One request's view of the table.
class TableHandler final : public SessionHandler {
 public:
  TableHandler(std::shared_ptr<TableShared> s, RequestEnv env) : s_(std::move(s)), env_(env) {}

  Task<Status> open(std::string, std::string) override { co_return ok_status(); }
  // No lock spans a request, so there is nothing to release. Snapshots are kept: PHP's
  // session_regenerate_id closes and reopens the same handler and writes afterwards.
  Task<Status> close() override { co_return ok_status(); }
  Task<Result<std::string>> read(std::string id) override;
  Task<Status> write(std::string id, std::string data) override;
  Task<Status> destroy(std::string id) override;
  Task<Result<std::int64_t>> gc(std::int64_t max_lifetime_s) override;
  Task<Result<std::string>> create_sid() override;
  Task<Result<bool>> validate_id(std::string id) override;
  Task<Status> update_timestamp(std::string id, std::string data) override;

 private:
  /// A row found by locate(), still locked; index == no_row when the id has no row. (Not an
  /// optional: g++ 12 with ASan warns about moving an empty optional of a move-only type.)
  struct Located {
    std::size_t index = no_row;
    LockGuard lock{nullptr};
    [[nodiscard]] bool found() const { return index != no_row; }
  };
  using Lookup = Result<Located>;

  /// What this request last read or wrote of an id: the compare-and-swap's expected version and
  /// the base of a merge.
  struct Snapshot {
    /// 0 = the request saw no session.
    std::uint64_t version = 0;
    std::int64_t mtime_s = 0;
    std::string data;
  };
  /// What one compare-and-swap attempt writes (the merge, or nothing: the request's own
  /// bytes) and the version it expects (none: the request never saw the id, so the write is
  /// unconditional; 0: the id has no row).
  struct WritePlan {
    std::optional<std::string> merged;
    std::optional<std::uint64_t> expected;
  };

  Result<LockGuard> try_lock(pthread_mutex_t& m, std::size_t row);
  Task<Result<LockGuard>> acquire(pthread_mutex_t& m, std::size_t row);
  Task<Result<LockGuard>> lock_row(std::size_t i) { return acquire(s_->row(i).lock, i); }
  Task<Lookup> locate(const std::string& id);
  Task<Result<WritePlan>> plan_write(const std::string& id, const std::string& mine);
  Task<Result<bool>> commit(const std::string& id, const std::string& data,
                            std::optional<std::uint64_t> expected);
  Task<std::optional<Result<bool>>> insert(const std::string& id, const std::string& data,
                                           std::optional<std::uint64_t> expected);
  Task<Result<std::int64_t>> sweep_orphans(std::int64_t now_s, std::int64_t max_s);
  Status update_row(std::size_t i, const std::string& id, const std::string& data);
  Status fill_new_row(std::size_t i, const std::string& id, const std::string& data);
  Status touch_row(std::size_t i, const std::string& id);
  Status remove_row(std::size_t i, const std::string& id, Removal why);
  Task<Result<Removal>> removal_since(const std::string& id, const Snapshot& read);
  void remember_gc_max(std::int64_t max_s);
  [[nodiscard]] std::optional<HandlerError> storable(const std::string& id,
                                                     std::size_t bytes) const;
  [[nodiscard]] bool destroyed_since(const Snapshot& read) const;
  void remember(const std::string& id, std::uint64_t version, std::int64_t mtime_s,
                const std::string& data);
  [[nodiscard]] HandlerError refusal(const std::string& id, const std::string& why) const;
  [[nodiscard]] std::int64_t now() const { return env_.clock->now_s(); }
  [[nodiscard]] const std::string& dir() const { return s_->config.dir; }

  std::shared_ptr<TableShared> s_;
  RequestEnv env_;
  /// id -> what this request last read or wrote. Ids the request never touched are absent, and
  /// writes to them are unconditional.
  std::map<std::string, Snapshot> snapshots_;
};

std::string lock_name(std::size_t row) {
  return row == no_row ? "the insert lock" : "the lock of row " + std::to_string(row);
}

// Takes `m`, the lock of row `row` (no_row: the insert lock), if nobody holds it; a guard that
// holds nothing when somebody does. A dead holder's lock is taken over (and its row repaired).
Result<LockGuard> TableHandler::try_lock(pthread_mutex_t& m, std::size_t row) {
  const int rc = ::pthread_mutex_trylock(&m);
  if (rc == 0) return LockGuard(&m);
  if (rc == EOWNERDEAD) {
    if (row != no_row) repair_row(*s_, row);
    ::pthread_mutex_consistent(&m);
    return LockGuard(&m);
  }
  if (rc == EBUSY) return LockGuard(nullptr);
  return fail(ErrorCode::io, "table " + s_->config.name + ": cannot lock " + lock_name(row) + ": " +
                                 std::strerror(rc));
}

// Never blocks the thread: trylock, and between attempts let the scheduler run others
// (IoPoints::blocked), which also decides when to give up.
Task<Result<LockGuard>> TableHandler::acquire(pthread_mutex_t& m, std::size_t row) {
  for (int attempt = 0; attempt < lock_attempts_max; ++attempt) {
    auto got = try_lock(m, row);
    if (!got || got.value().held()) co_return got;
    if (!co_await env_.points->blocked(lock_name(row), attempt)) break;
  }
  co_return fail(ErrorCode::timeout, "table " + s_->config.name + ": timed out waiting for " +
                                         lock_name(row) + " (held by another request or process)");
}

// Probes without locks (state and hash are atomics) and locks only a likely match, verifying
// the id under the lock. Returns the row still locked, or no row when the id has none.
Task<TableHandler::Lookup> TableHandler::locate(const std::string& id) {
  const std::uint64_t hash = id_hash(id);
  for (int round = 0; round < lookup_rounds_max; ++round) {
    bool moved = false;
    for (std::size_t step = 0; step < s_->probe_len() && !moved; ++step) {
      const std::size_t i = s_->slot(hash, step);
      RowHeader& r = s_->row(i);
      const std::uint32_t state = r.state.load(std::memory_order_acquire);
      if (state == row_empty) co_return Located{};
      if (state != row_used || r.id_hash.load(std::memory_order_acquire) != hash) continue;
      // The usual case, a free lock, is taken here without a coroutine frame for the wait.
      auto lock = try_lock(r.lock, i);
      if (lock && !lock.value().held()) lock = co_await lock_row(i);
      if (!lock) co_return lock.error();
      if (row_holds(r, id)) co_return Located{i, std::move(lock.value())};
      // Removed while we waited: the id may live elsewhere now, so probe again. A row that is
      // still used holds another id with the same hash: keep probing.
      moved = r.state.load(std::memory_order_acquire) != row_used;
    }
    if (!moved) co_return Located{};
  }
  co_return fail(ErrorCode::io, "table " + s_->config.name + ": the row of '" + id +
                                    "' kept moving during " + std::to_string(lookup_rounds_max) +
                                    " lookups");
}

std::optional<HandlerError> TableHandler::storable(const std::string& id, std::size_t bytes) const {
  if (!valid_id(id)) return bad_id(id);
  if (bytes > s_->config.row_bytes_max) {
    return fail(ErrorCode::capacity,
                "table " + s_->config.name + ": session data of " + std::to_string(bytes) +
                    " bytes exceeds row_bytes_max=" + std::to_string(s_->config.row_bytes_max));
  }
  if (!file_name_fits(id)) {
    return fail(ErrorCode::capacity, "table " + s_->config.name + ": a session id of " +
                                         std::to_string(id.size()) +
                                         " bytes does not fit a sess_"
                                         "<id> file name (file_name_bytes_max=255)");
  }
  return std::nullopt;
}

// Why the session this request read has no row now: the tombstone of its id with the newest
// version, if it is still in the probe window (an insert may have reused it) and not older than
// what this request read.
Task<Result<Removal>> TableHandler::removal_since(const std::string& id, const Snapshot& read) {
  const std::uint64_t hash = id_hash(id);
  std::uint64_t newest = 0;
  Removal why = removal_unknown;
  for (std::size_t step = 0; step < s_->probe_len(); ++step) {
    const std::size_t i = s_->slot(hash, step);
    RowHeader& r = s_->row(i);
    const std::uint32_t state = r.state.load(std::memory_order_acquire);
    if (state == row_empty) break;
    if (state != row_tombstone || r.id_hash.load(std::memory_order_acquire) != hash) continue;
    auto lock = co_await lock_row(i);
    if (!lock) co_return lock.error();
    const bool ours = r.state.load(std::memory_order_acquire) == row_tombstone &&
                      r.id_len == id.size() && std::memcmp(r.id, id.data(), id.size()) == 0;
    if (ours && r.version >= read.version && r.version > newest) {
      newest = r.version;
      why = static_cast<Removal>(r.removal);
    }
  }
  co_return why;
}

// Without a tombstone to ask, a session gc could not have collected (younger than the last gc's
// max lifetime, or no gc ran at all) was destroyed.
bool TableHandler::destroyed_since(const Snapshot& read) const {
  const std::int64_t gc_max_s = s_->header().last_gc_max_s.load(std::memory_order_acquire);
  return gc_max_s < 0 || now() - read.mtime_s <= gc_max_s;
}

// After a write: the written bytes are the base of this request's next merge. Assigned into the
// snapshot's buffer, which a request writing one session again and again reuses.
void TableHandler::remember(const std::string& id, std::uint64_t version, std::int64_t mtime_s,
                            const std::string& data) {
  Snapshot& snap = snapshots_[id];
  snap.version = version;
  snap.mtime_s = mtime_s;
  snap.data = data;
}

HandlerError TableHandler::refusal(const std::string& id, const std::string& why) const {
  return fail(ErrorCode::conflict,
              "table " + s_->config.name + ": write of '" + id.substr(0, 64) + "' refused: " + why);
}

Task<Result<std::string>> TableHandler::read(std::string id) {
  if (!valid_id(id)) co_return bad_id(id);
  if (auto cut = s_->truncated()) co_return *cut;
  auto found = co_await locate(id);
  if (!found) co_return found.error();
  if (!found.value().found()) {
    snapshots_[id] = Snapshot{};  // this request's only: reading creates no row (unlike ZealPHP)
    co_return std::string();
  }
  auto data = row_data(*s_, found.value().index);
  if (!data) co_return data.error();
  const RowHeader& r = s_->row(found.value().index);
  Snapshot& snap = snapshots_[id];
  snap.version = r.version;
  snap.mtime_s = r.mtime_s;
  snap.data.assign(data.value());
  co_return snap.data;
}

// ZealPHP's write: look at the row's version, then compare-and-swap. The explorer may run other
// requests in between (table.cas); commit() checks the version again under the row lock. A lost
// swap is merged key by key with what the winner stored and tried again (merge-disjoint-keys
// is the table's own promise: a PHP engine simply drops a write that fails).
Task<Status> TableHandler::write(std::string id, std::string data) {
  if (auto refused = storable(id, data.size())) co_return *refused;
  if (auto cut = s_->truncated()) co_return *cut;
  for (int attempt = 0; attempt < cas_attempts_max; ++attempt) {
    auto plan = co_await plan_write(id, data);
    if (!plan) co_return plan.error();
    co_await env_.points->point("table.cas");
    const WritePlan& p = plan.value();
    auto swapped = co_await commit(id, p.merged ? *p.merged : data, p.expected);
    if (!swapped) co_return swapped.error();
    if (swapped.value()) co_return ok_status();
  }
  co_return refusal(id, "other requests kept changing the session (" +
                            std::to_string(cas_attempts_max) +
                            " compare-and-swap attempts, each merged with the session they lost "
                            "to, cas_attempts_max)");
}

// What to swap in: `mine` when nobody changed the session since this request read it, else the
// three-way merge of what it read, what is stored now and `mine`.
Task<Result<TableHandler::WritePlan>> TableHandler::plan_write(const std::string& id,
                                                               const std::string& mine) {
  auto snap = snapshots_.find(id);
  if (snap == snapshots_.end()) co_return WritePlan{std::nullopt, std::nullopt};
  auto peek = co_await locate(id);
  if (!peek) co_return peek.error();
  const Snapshot& base = snap->second;
  if (!peek.value().found()) {
    if (base.version == 0) co_return WritePlan{std::nullopt, 0};
    // Gone since the read. Destroyed: never brought back. Collected by gc: written as given, as
    // if this request had finished before the gc.
    auto why = co_await removal_since(id, base);
    if (!why) co_return why.error();
    const bool destroyed =
        why.value() == removal_destroy || (why.value() == removal_unknown && destroyed_since(base));
    if (destroyed) {
      co_return refusal(id,
                        "the session was destroyed since this request read it (no "
                        "resurrection)");
    }
    co_return WritePlan{std::nullopt, 0};
  }
  const std::size_t i = peek.value().index;
  const std::uint64_t seen = s_->row(i).version;
  if (seen == base.version) co_return WritePlan{std::nullopt, seen};
  auto stored = row_data(*s_, i);
  if (!stored) co_return stored.error();
  const std::string current(stored.value());
  peek.value().lock.reset();  // merging needs no lock: the swap re-checks `seen`
  auto merged = merge_session_keys(base.data, current, mine);
  if (!merged)
    co_return refusal(id, "it changed since this request read it and " + merged.error().reason);
  if (auto too_big = storable(id, merged.value().size())) co_return *too_big;
  co_return WritePlan{std::move(merged.value()), seen};
}

// Swaps `data` in if the row still has version `expected` (absent: unconditionally). False when
// the swap lost, i.e. another request changed, created or removed the row meanwhile.
Task<Result<bool>> TableHandler::commit(const std::string& id, const std::string& data,
                                        std::optional<std::uint64_t> expected) {
  for (int round = 0; round < commit_rounds_max; ++round) {
    auto found = co_await locate(id);
    if (!found) co_return found.error();
    if (found.value().found()) {
      const std::size_t i = found.value().index;
      if (expected && s_->row(i).version != *expected) co_return false;
      Status st = update_row(i, id, data);
      if (!st) co_return st.error();
      co_return true;
    }
    auto inserted = co_await insert(id, data, expected);
    if (inserted) co_return std::move(*inserted);
  }
  co_return fail(ErrorCode::io, "table " + s_->config.name + ": the row of '" + id +
                                    "' kept appearing and disappearing");
}

// The row lock is held. Dirty from before the file changes until the row matches it.
Status TableHandler::update_row(std::size_t i, const std::string& id, const std::string& data) {
  RowHeader& r = s_->row(i);
  const std::int64_t t = now();
  r.dirty.store(1, std::memory_order_release);
  Status st = write_file_atomic(dir(), session_path(dir(), id), data, t);
  if (st) store_payload(*s_, i, data, t);
  r.dirty.store(0, std::memory_order_release);
  if (st) remember(id, r.version, t, data);
  return st;
}

// Inserts hold the table's insert lock, so two requests cannot both find an id absent and claim
// two rows for it. It stays held while waiting for the claimed row's lock; in this process no
// row lock is ever kept across a scheduling point, so only another process can make us wait.
Task<std::optional<Result<bool>>> TableHandler::insert(const std::string& id,
                                                       const std::string& data,
                                                       std::optional<std::uint64_t> expected) {
  using Out = Result<bool>;
  auto guard = co_await acquire(s_->header().insert_lock, no_row);
  if (!guard) co_return Out(guard.error());
  auto again = co_await locate(id);
  if (!again) co_return Out(again.error());
  if (again.value().found()) co_return std::nullopt;     // inserted meanwhile: update it instead
  if (expected && *expected != 0) co_return Out(false);  // removed meanwhile: the swap lost
  auto i = free_row(*s_, id_hash(id));
  if (!i) co_return Out(table_full(*s_));
  RowHeader& r = s_->row(*i);
  if (r.lock_ready.load(std::memory_order_acquire) == 0) {
    // Never used: nobody else can touch this mutex, as only inserters claim rows.
    if (!init_robust_mutex(&r.lock)) co_return Out(fail(ErrorCode::io, "table: row lock"));
    r.lock_ready.store(1, std::memory_order_release);
  }
  auto lock = co_await lock_row(*i);
  if (!lock) co_return Out(lock.error());
  Status filled = fill_new_row(*i, id, data);
  if (!filled) co_return Out(filled.error());
  co_return Out(true);
}

// Both locks are held. The row becomes visible (state used) only once complete.
Status TableHandler::fill_new_row(std::size_t i, const std::string& id, const std::string& data) {
  RowHeader& r = s_->row(i);
  const std::int64_t t = now();
  r.dirty.store(1, std::memory_order_release);
  std::memcpy(r.id, id.data(), id.size());
  r.id_len = static_cast<std::uint32_t>(id.size());
  r.id_hash.store(id_hash(id), std::memory_order_release);
  Status st = write_file_atomic(dir(), session_path(dir(), id), data, t);
  if (st) {
    store_payload(*s_, i, data, t);
    r.state.store(row_used, std::memory_order_release);
  }
  r.dirty.store(0, std::memory_order_release);
  if (st) remember(id, r.version, t, data);
  return st;
}

// The row lock is held; `id` is the valid id the row holds. The file goes first: it is the
// commit point for a repair.
Status TableHandler::remove_row(std::size_t i, const std::string& id, Removal why) {
  RowHeader& r = s_->row(i);
  const std::string path = session_path(dir(), id);
  r.dirty.store(1, std::memory_order_release);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    HandlerError e = table_error("cannot unlink", path);
    r.dirty.store(0, std::memory_order_release);
    return e;
  }
  r.removal = why;
  r.state.store(row_tombstone, std::memory_order_release);
  r.dirty.store(0, std::memory_order_release);
  return ok_status();
}

Task<Status> TableHandler::destroy(std::string id) {
  if (!valid_id(id)) co_return bad_id(id);
  if (auto cut = s_->truncated()) co_return *cut;
  auto found = co_await locate(id);
  if (!found) co_return found.error();
  if (found.value().found()) {
    Status st = remove_row(found.value().index, id, removal_destroy);
    if (!st) co_return st;
  }
  snapshots_[id] = Snapshot{};
  co_return ok_status();
}

// Only the mtime moves: the data PHP passes may be stale (P-42), so it is never written.
Status TableHandler::touch_row(std::size_t i, const std::string& id) {
  RowHeader& r = s_->row(i);
  const std::int64_t t = now();
  const std::string path = session_path(dir(), id);
  struct timespec times[2] = {{t, 0}, {t, 0}};
  if (::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno != ENOENT) return table_error("cannot set mtime of", path);
    // The file went missing behind our back; the row is the truth, so write it out again.
    auto data = row_data(*s_, i);
    if (!data) return data.error();
    r.dirty.store(1, std::memory_order_release);
    Status st = write_file_atomic(dir(), session_path(dir(), id), data.value(), t);
    r.dirty.store(0, std::memory_order_release);
    if (!st) return st;
  }
  r.mtime_s = t;
  if (auto it = snapshots_.find(id); it != snapshots_.end()) it->second.mtime_s = t;
  return ok_status();
}

Task<Status> TableHandler::update_timestamp(std::string id, std::string data) {
  if (!valid_id(id)) co_return bad_id(id);
  if (auto cut = s_->truncated()) co_return *cut;
  auto found = co_await locate(id);
  if (!found) co_return found.error();
  // Like PHP's files handler: touching a missing session stores it.
  if (!found.value().found()) co_return co_await write(std::move(id), std::move(data));
  co_return touch_row(found.value().index, id);
}

// Kept in the dir too, so that a rebuilt table expires by the lifetime the application uses. A
// lost hint only means the rebuild falls back to ttl_s, so write errors are ignored.
void TableHandler::remember_gc_max(std::int64_t max_s) {
  if (s_->header().last_gc_max_s.exchange(max_s) == max_s) return;
  (void)write_file_atomic(dir(), file_path(dir(), gc_hint_name), std::to_string(max_s), now());
}

Task<Result<std::int64_t>> TableHandler::gc(std::int64_t max_lifetime_s) {
  if (auto cut = s_->truncated()) co_return *cut;
  const std::int64_t t = now();
  remember_gc_max(max_lifetime_s);
  std::int64_t count = 0;
  for (std::size_t i = 0; i < s_->config.rows_max; ++i) {
    if (s_->row(i).state.load(std::memory_order_acquire) != row_used) continue;
    auto lock = co_await lock_row(i);
    if (!lock) co_return lock.error();
    RowHeader& r = s_->row(i);
    if (r.state.load(std::memory_order_acquire) != row_used ||
        !expired(t, r.mtime_s, max_lifetime_s)) {
      continue;
    }
    // A row whose id is corrupt cannot name its file: gc leaves it (reads of it fail naming it).
    const auto id = row_id(r);
    if (!id) continue;
    Status st = remove_row(i, *id, removal_gc);
    if (!st) co_return st.error();
    ++count;
    if (auto it = snapshots_.find(*id); it != snapshots_.end()) it->second = Snapshot{};
  }
  auto orphans = co_await sweep_orphans(t, max_lifetime_s);
  if (!orphans) co_return orphans.error();
  co_return count + orphans.value();
}

// A sess_ file without a row is left over by a writer that died between its file and its row;
// gc removes it by its own mtime so that it cannot come back after a restart.
Task<Result<std::int64_t>> TableHandler::sweep_orphans(std::int64_t now_s, std::int64_t max_s) {
  std::vector<std::string> expired;
  DIR* d = ::opendir(dir().c_str());
  if (d == nullptr) co_return table_error("cannot list", dir());
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    struct stat st {};
    if (!name.starts_with(file_prefix)) continue;
    if (::lstat(file_path(dir(), name).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    const std::string id = name.substr(file_prefix.size());
    if (model::valid_session_id(id) && now_s - st.st_mtime > max_s) expired.push_back(id);
  }
  ::closedir(d);
  std::int64_t count = 0;
  for (const std::string& id : expired) {
    auto found = co_await locate(id);
    if (!found) co_return found.error();
    if (!found.value().found() && ::unlink(session_path(dir(), id).c_str()) == 0) ++count;
  }
  co_return count;
}

Task<Result<std::string>> TableHandler::create_sid() {
  if (auto cut = s_->truncated()) co_return *cut;
  for (int tries = 0; tries < sid_tries_max; ++tries) {
    std::string id = model::php_made_id(s_->rng, 26, 5);
    auto found = co_await locate(id);
    if (!found) co_return found.error();
    struct stat st {};
    if (!found.value().found() && ::lstat(session_path(dir(), id).c_str(), &st) != 0) {
      co_return id;
    }
  }
  co_return fail(ErrorCode::conflict, "create_sid: 3 colliding ids in a row");
}

Task<Result<bool>> TableHandler::validate_id(std::string id) {
  if (!valid_id(id)) co_return false;
  if (auto cut = s_->truncated()) co_return *cut;
  auto found = co_await locate(id);
  if (!found) co_return found.error();
  co_return found.value().found();
}

bool valid_table_name(const std::string& name) {
  if (name.empty() || name.size() > table_name_bytes_max) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

Result<std::uint64_t> parse_count(const std::string& key, const std::string& value,
                                  std::uint64_t lo, std::uint64_t hi) {
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size() || v < lo || v > hi) {
    return fail(ErrorCode::unsupported, "table: ?" + key + "=" + value +
                                            " is not a whole number in [" + std::to_string(lo) +
                                            ", " + std::to_string(hi) + "]");
  }
  return v;
}

// The limits every config must respect, also when a test builds one by hand.
Status check_config(const TableConfig& c) {
  if (!valid_table_name(c.name)) {
    return fail(ErrorCode::unsupported, "table: NAME '" + c.name.substr(0, 64) + "' must be 1.." +
                                            std::to_string(table_name_bytes_max) +
                                            " characters of [A-Za-z0-9._-]");
  }
  if (c.dir.empty() || c.dir.size() >= dir_bytes_max) {
    return fail(ErrorCode::unsupported,
                "table: dir must be 1.." + std::to_string(dir_bytes_max - 1) + " bytes");
  }
  if (c.rows_max < 1 || c.rows_max > table_rows_limit || c.row_bytes_max < 1 ||
      c.row_bytes_max > table_row_bytes_limit || c.ttl_s < 0) {
    return fail(ErrorCode::unsupported, "table: rows, row_bytes or ttl_s out of range");
  }
  const std::size_t bytes = header_bytes() + c.rows_max * row_stride(c.row_bytes_max);
  if (bytes > table_segment_bytes_limit) {
    return fail(ErrorCode::capacity, "table: rows=" + std::to_string(c.rows_max) +
                                         " x row_bytes=" + std::to_string(c.row_bytes_max) +
                                         " needs " + std::to_string(bytes) +
                                         " bytes, more than table_segment_bytes_limit=" +
                                         std::to_string(table_segment_bytes_limit));
  }
  return ok_status();
}

// Test hooks only: finds a row without locking (the test is the only actor).
std::optional<std::size_t> find_row_unlocked(const TableShared& s, const std::string& id) {
  const std::uint64_t hash = id_hash(id);
  for (std::size_t step = 0; step < s.probe_len(); ++step) {
    const std::size_t i = s.slot(hash, step);
    if (s.row(i).state.load(std::memory_order_acquire) == row_empty) break;
    if (row_holds(s.row(i), id)) return i;
  }
  return std::nullopt;
}

}  // namespace

std::string table_shm_name(const std::string& name) {
  return "/sessionspec-table-" + name;
}

Result<TableConfig> parse_table_config(const HandlerUri& uri) {
  TableConfig c;
  c.name = uri.target;
  c.dir = "/tmp/sessionspec-table-" + c.name;
  for (const auto& [key, value] : uri.params) {
    if (key == "dir") {
      c.dir = value;
      while (c.dir.size() > 1 && c.dir.back() == '/') c.dir.pop_back();
      continue;
    }
    Result<std::uint64_t> n = std::uint64_t{0};
    if (key == "rows")
      n = parse_count(key, value, 1, table_rows_limit);
    else if (key == "row_bytes")
      n = parse_count(key, value, 1, table_row_bytes_limit);
    else if (key == "ttl_s")
      n = parse_count(key, value, 0, std::uint64_t{1} << 40);
    else if (key == "fresh")
      n = parse_count(key, value, 0, 1);
    else {
      return fail(ErrorCode::unsupported, "table: unknown parameter '" + key +
                                              "' (known: rows, row_bytes, dir, ttl_s, fresh)");
    }
    if (!n) return n.error();
    if (key == "rows") c.rows_max = n.value();
    if (key == "row_bytes") c.row_bytes_max = n.value();
    if (key == "ttl_s") c.ttl_s = static_cast<std::int64_t>(n.value());
    if (key == "fresh") c.fresh = n.value() == 1;
  }
  Status checked = check_config(c);
  if (!checked) return checked.error();
  return c;
}

TableBackend::TableBackend(std::shared_ptr<TableShared> shared) : shared_(std::move(shared)) {}
TableBackend::~TableBackend() = default;

Result<std::unique_ptr<TableBackend>> TableBackend::create(TableConfig config, std::uint64_t seed,
                                                           Clock& clock) {
  Status checked = check_config(config);
  if (!checked) return checked.error();
  Status dir = prepare_dir(config);
  if (!dir) return dir.error();
  auto shared = open_segment(config, seed, clock);
  if (!shared) return shared.error();
  return std::unique_ptr<TableBackend>(new TableBackend(std::move(shared.value())));
}

std::string TableBackend::uri() const {
  const TableConfig& c = shared_->config;
  return "table:" + c.name + "?rows=" + std::to_string(c.rows_max) +
         "&row_bytes=" + std::to_string(c.row_bytes_max) + "&ttl_s=" + std::to_string(c.ttl_s) +
         "&dir=" + c.dir;
}

Guarantees TableBackend::guarantees() const {
  Guarantees g;
  // write() is a compare-and-swap on the version the request read; a lost race is merged key
  // by key and swapped again, or refused with ErrorCode::conflict and the reason, never dropped.
  g.concurrency = Concurrency::merge_disjoint_keys;
  g.store.expiry = model::Expiry::gc_only;
  g.store.ttl_s = shared_->config.ttl_s;
  g.payload_bytes_max = shared_->config.row_bytes_max;
  g.store.id_bytes_max = file_name_bytes_max - file_prefix.size();
  // A full table refuses new sessions, and a row refuses a larger payload, with
  // ErrorCode::capacity: the documented limits, which judges accept as such.
  g.store.sessions_max = shared_->config.rows_max;
  g.store.payload_bytes_max = shared_->config.row_bytes_max;
  // Row mutexes are robust: the next locker sees a dead holder (EOWNERDEAD) and rebuilds the row
  // from its file, which is renamed into place before the row changes, so a failed write leaves
  // the previous session.
  g.faults.recovery = Recovery::owner_death;
  g.faults.failed_write = FailedWrite::unchanged;
  g.faults.local_disk = true;
  return g;
}

std::unique_ptr<SessionHandler> TableBackend::connect(RequestEnv env) {
  return std::make_unique<TableHandler>(shared_, env);
}

const TableConfig& TableBackend::config() const {
  return shared_->config;
}

std::size_t TableBackend::rows_in_use() const {
  return shared_->rows_in_use();
}

Status TableBackend::hold_row_lock_for_test(const std::string& id) {
  auto i = find_row_unlocked(*shared_, id);
  if (!i) return fail(ErrorCode::io, "table: no row holds '" + id + "'");
  pthread_mutex_t* m = &shared_->row(*i).lock;
  const int rc = ::pthread_mutex_trylock(m);
  if (rc == EOWNERDEAD) ::pthread_mutex_consistent(m);
  if (rc != 0 && rc != EOWNERDEAD) return fail(ErrorCode::timeout, "table: row is locked");
  return ok_status();
}

Status TableBackend::crash_mid_write_for_test(const std::string& id, std::string_view data) {
  Status held = hold_row_lock_for_test(id);
  if (!held) return held;
  const std::size_t i = *find_row_unlocked(*shared_, id);
  RowHeader& r = shared_->row(i);
  const std::size_t n = std::min(data.size(), shared_->config.row_bytes_max);
  r.dirty.store(1, std::memory_order_release);
  std::memcpy(shared_->data(i), data.data(), n / 2);
  r.data_len = n;
  return ok_status();
}

Status TableBackend::corrupt_lengths_for_test(const std::string& id, std::uint32_t id_len,
                                              std::uint64_t data_len) {
  auto i = find_row_unlocked(*shared_, id);
  if (!i) return fail(ErrorCode::io, "table: no row holds '" + id + "'");
  shared_->row(*i).id_len = id_len;
  shared_->row(*i).data_len = data_len;
  return ok_status();
}

// ---- the registry's view ------------------------------------------------------------------

Result<std::unique_ptr<Backend>> make_table_backend(const HandlerUri& uri, std::uint64_t seed,
                                                    Clock& clock) {
  auto config = parse_table_config(uri);
  if (!config) return config.error();
  auto made = TableBackend::create(std::move(config.value()), seed, clock);
  if (!made) return made.error();
  return std::unique_ptr<Backend>(std::move(made.value()));
}

namespace {

/// A fresh table: a name of its own (its segment unlinked afterwards) and a fresh directory for
/// its files, inside the URI's dir= when it has one, else in the temporary directory. Every other
/// parameter (rows, row_bytes, ttl_s) stays as the user gave it: an isolated table behaves as the
/// URI says, capacity included.
Result<Isolation> isolate_table(const HandlerUri& uri, const IsolationOptions& options) {
  auto config = parse_table_config(uri);
  if (!config) return config.error();
  std::string parent = std::filesystem::temp_directory_path().string();
  if (uri.params.count("dir") > 0) {
    parent = config.value().dir;
    // As the table itself does: the last component of dir= is created when missing.
    (void)::mkdir(parent.c_str(), 0700);
  }
  auto dir = make_scratch_dir(parent, options.label, uri.text);
  if (!dir) return dir.error();
  const std::string suffix = "-" + unique_instance_suffix();
  Isolation out;
  out.uri = uri;
  out.uri.target = uri.target.substr(0, table_name_bytes_max - suffix.size()) + suffix;
  out.uri.params["dir"] = dir.value();
  out.uri.params["fresh"] = "1";
  out.scratch_dir = dir.value();
  out.data_dir = dir.value();
  const std::string shm = table_shm_name(out.uri.target);
  out.cleanup = [shm] { ::shm_unlink(shm.c_str()); };
  return out;
}

}  // namespace

BackendKind table_kind() {
  BackendKind kind;
  kind.scheme = "table";
  kind.check = [](const HandlerUri& uri) -> Status {
    auto config = parse_table_config(uri);
    if (!config) return config.error();
    return ok_status();
  };
  kind.make = make_table_backend;
  kind.isolate = isolate_table;
  return kind;
}

}  // namespace ss::handlers
