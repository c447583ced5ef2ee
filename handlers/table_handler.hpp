#pragma once
// `table:NAME[?rows=N&row_bytes=N&dir=PATH&ttl_s=N&fresh=1]`: a fixed-capacity hash table in
// POSIX shared memory that every process of a host opening the same NAME shares (the OpenSwoole
// Table behind ZealPHP's `'table'` handler), with a write-through `sess_<id>` file per session.
//
// URI parameters (all optional):
//   rows=N       capacity in sessions (default 4096, 1..table_rows_limit). A full table refuses
//                writes with ErrorCode::capacity; nothing is dropped.
//   row_bytes=N  largest session payload in bytes (default 16384, 1..table_row_bytes_limit);
//                larger writes fail with ErrorCode::capacity. Guarantees::payload_bytes_max.
//   dir=PATH     where the write-through files live (default /tmp/sessionspec-table-NAME; the
//                last path component is created with mode 0700 when missing). It must belong
//                to this user, not be writable by group or others, and not be a symlink.
//   ttl_s=N      lifetime used when the segment is rebuilt from the files and no gc() ran yet
//                (default 1440): older files are not brought back (ZealPHP's bug R1 revived
//                them with a fresh TTL). Files that are loaded keep their mtime.
//   fresh=1      start empty: unlink the segment and remove the dir's sess_ files (tests);
//                refused unless the dir's .sessionspec-table marker names this table.
// Every process opening one NAME must pass the same rows, row_bytes and dir.
//
// Storage: segment `/sessionspec-table-NAME` (this user's, mode 0600) holds a header and `rows`
// fixed-size rows (id up to 256 bytes, data up to row_bytes, mtime, version, a robust
// process-shared mutex). Open addressing with linear probing bounded by table_probe_rows_max.
// Expiry is gc-only. The creating process holds a flock on the segment until it has loaded the
// files; a segment left unpublished by a creator that died is rebuilt from the files. Lengths
// read from the segment are checked before use.
//
// Concurrency: Concurrency::merge_disjoint_keys, kept by the handler itself (a PHP engine drops
// a write that fails). A handler instance remembers, per id, what its request last read or
// wrote (version, mtime, bytes); write() is a compare-and-swap on that version. When another
// request changed the session meanwhile, the write is the key-level three-way merge
// (handlers/merge.hpp) of what this request read, what is stored and what it writes, swapped in
// against the new version, at most cas_attempts_max (4) times; it fails with
// ErrorCode::conflict and the reason only when a side does not decode in the `php` format or the
// attempts are spent. A session destroyed since the read is never written back (conflict, no
// resurrection); one that gc collected meanwhile is written as given. A write to an id the
// request never read is unconditional (there is no base to defend). No lock spans a request.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "handlers/handler_uri.hpp"
#include "handlers/seam.hpp"

namespace ss::handlers {

/// Default capacity in rows (ZealPHP's Store table size).
inline constexpr std::size_t table_rows_default = 4096;
/// Upper bound for ?rows=N.
inline constexpr std::size_t table_rows_limit = std::size_t{1} << 20;
/// Default largest payload per row (ZealPHP's 16 KB rows).
inline constexpr std::size_t table_row_bytes_default = 16 * 1024;
/// Upper bound for ?row_bytes=N.
inline constexpr std::size_t table_row_bytes_limit = std::size_t{16} << 20;
/// A segment is never larger than this (rows x row stride), so a typo cannot fill /dev/shm.
inline constexpr std::size_t table_segment_bytes_limit = std::size_t{4} << 30;
/// Probing visits at most this many rows from an id's home row, so a lookup is bounded even in
/// a full table; a table can therefore refuse an insert before every row is used.
inline constexpr std::size_t table_probe_rows_max = 512;
/// Default ?ttl_s, PHP's session.gc_maxlifetime default.
inline constexpr std::int64_t table_ttl_s_default = 1440;

/// A parsed `table:` URI.
struct TableConfig {
  std::string name;
  std::string dir;
  std::size_t rows_max = table_rows_default;
  std::size_t row_bytes_max = table_row_bytes_default;
  std::int64_t ttl_s = table_ttl_s_default;
  bool fresh = false;
};

/// Checks NAME and the parameters; the error names the offending parameter and value.
[[nodiscard]] Result<TableConfig> parse_table_config(const HandlerUri& uri);

/// The shm_open name of a table: "/sessionspec-table-NAME" (tests unlink it when done).
[[nodiscard]] std::string table_shm_name(const std::string& name);

/// State shared by a backend and its handlers (the mapping, the config, the id generator).
struct TableShared;

class TableBackend final : public Backend {
 public:
  /// Opens (or creates, then loads from the dir) the segment of `config.name`.
  static Result<std::unique_ptr<TableBackend>> create(TableConfig config, std::uint64_t seed,
                                                      Clock& clock);
  ~TableBackend() override;
  [[nodiscard]] std::string uri() const override;
  [[nodiscard]] Guarantees guarantees() const override;
  [[nodiscard]] std::unique_ptr<SessionHandler> connect(RequestEnv env) override;

  [[nodiscard]] const TableConfig& config() const;
  /// Rows currently holding a session (a scan; for tests and diagnostics).
  [[nodiscard]] std::size_t rows_in_use() const;

  /// Test hook: takes the row lock of stored session `id` and never releases it, as a process
  /// that dies inside a critical section would. Only useful in a child that then _exit()s, or to
  /// test that a live holder makes others time out.
  Status hold_row_lock_for_test(const std::string& id);
  /// Test hook: like hold_row_lock_for_test, but also starts overwriting the row with `data`
  /// and stops halfway (row marked dirty, bytes torn), as a writer killed mid-copy would.
  Status crash_mid_write_for_test(const std::string& id, std::string_view data);
  /// Test hook: overwrites the id and data lengths of the row of stored session `id`, as a
  /// stray write into the shared segment would.
  Status corrupt_lengths_for_test(const std::string& id, std::uint32_t id_len,
                                  std::uint64_t data_len);

 private:
  explicit TableBackend(std::shared_ptr<TableShared> shared);
  std::shared_ptr<TableShared> shared_;
};

}  // namespace ss::handlers
