#pragma once
// Factories of the optional backends. Deliberately free of client-library includes: the
// registry includes this header, never hiredis.h or sqlite3.h.

#include <cstdint>
#include <memory>

#include "handlers/handler_uri.hpp"
#include "handlers/seam.hpp"

namespace ss::handlers {

/// `table:NAME[?...]` (handlers/table_handler.cpp).
Result<std::unique_ptr<Backend>> make_table_backend(const HandlerUri& uri, std::uint64_t seed,
                                                    Clock& clock);
/// `redis://HOST:PORT[/DB][?mode=...]` (handlers/redis_handler.cpp).
Result<std::unique_ptr<Backend>> make_redis_backend(const HandlerUri& uri, std::uint64_t seed,
                                                    Clock& clock);
/// `sqlite:PATH[?lock=...]` (handlers/sqlite_handler.cpp).
Result<std::unique_ptr<Backend>> make_sqlite_backend(const HandlerUri& uri, std::uint64_t seed,
                                                     Clock& clock);
/// `exec:COMMAND[?timeout_ms=N]`: an external handler over JSON lines (handlers/exec_handler.cpp).
Result<std::unique_ptr<Backend>> make_exec_backend(const HandlerUri& uri, std::uint64_t seed,
                                                   Clock& clock);

}  // namespace ss::handlers
