#pragma once
// The columns of the reliability matrix: one per handler (and mode). A case is written once as
// a parameterised test over these columns, so adding a handler here adds it to every case it
// applies to. A column says, as data, what it can do for the cases: plant raw stored bytes,
// reopen its store (as a restarted process would), whether it validates ids itself.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "handlers/seam.hpp"

namespace ss::reliability {

struct Column {
  /// Part of the test names: [A-Za-z0-9_].
  std::string label;
  /// A fresh, empty store under `scratch` (a private directory per test); its backend.
  std::function<handlers::Result<std::unique_ptr<handlers::Backend>>(const std::string& scratch,
                                                                     handlers::Clock& clock)>
      make;
  /// A new backend on the store make() created last, as another process or a restart would
  /// open it (the table rebuilds its segment from the files). Empty: the store lives only in
  /// the backend object (memory) or in a child process (exec).
  std::function<handlers::Result<std::unique_ptr<handlers::Backend>>(handlers::Clock& clock)>
      reopen;
  /// A new backend on the same store as it is now, as another process opening it would (the
  /// table attaches to the live segment). Empty when reopen() does the same.
  std::function<handlers::Result<std::unique_ptr<handlers::Backend>>(handlers::Clock& clock)>
      attach;
  /// Stores `bytes` under `id` by the store's own means, around the handler (an empty answer
  /// means done; otherwise why not). Empty function: the column cannot be planted.
  std::function<std::string(const std::string& id, const std::string& bytes)> plant;
  /// The handler itself refuses malformed ids with ErrorCode::invalid_id (an exec: handler
  /// passes them to the external program, which decides).
  bool validates_ids = true;
  /// The handler itself enforces Guarantees::payload_bytes_max.
  bool enforces_payload_max = true;
  /// Writers in separate processes share the store, so kill -9 of writers applies.
  bool multi_process = false;
  /// A non-empty answer skips the column with that reason (no Redis server, no PHP).
  std::function<std::string()> skip_reason;
  /// Removes what make() left outside `scratch` (Redis keys, shared-memory segments).
  std::function<void()> cleanup;
};

/// Every column this build has: memory, files, table, sqlite (none, transactional), redis
/// (none, optimistic, lock) and exec (a PHP SessionHandlerInterface class through the adapter).
[[nodiscard]] std::vector<Column> all_columns();
/// The columns whose writers can be separate processes (files, table, sqlite).
[[nodiscard]] std::vector<Column> multi_process_columns();

inline void PrintTo(const Column& c, std::ostream* os) {
  *os << c.label;
}
inline std::string column_name(const ::testing::TestParamInfo<Column>& info) {
  return info.param.label;
}

}  // namespace ss::reliability
