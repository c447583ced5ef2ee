#pragma once
// The key-level three-way merge that handlers declaring Concurrency::merge_disjoint_keys use when
// another request changed a session between this request's read and its write (the Redis
// handler's `optimistic` mode, the table handler's compare-and-swap). One place, so that every
// such handler merges the same way.

#include <string>
#include <string_view>

#include "handlers/seam.hpp"

namespace ss::handlers {

/// Merges sessions in PHP's `php` serializer format. `base` is what this request read, `current`
/// what the store holds now, `mine` what this request writes. Per top-level key: changed by
/// `mine` relative to `base` -> mine's value; otherwise `current`'s (so a key deleted remotely
/// and unchanged here stays deleted); a key deleted by `mine` and unchanged remotely is deleted.
/// Keys keep `current`'s order, mine's new keys come last. Fails with ErrorCode::conflict and the
/// reason when any side does not decode or the result does not encode.
[[nodiscard]] Result<std::string> merge_session_keys(std::string_view base,
                                                     std::string_view current,
                                                     std::string_view mine);

}  // namespace ss::handlers
