#pragma once
// Which handlers a certification covers and how each becomes a target. This is the one place
// that knows handler URIs: when the handler registry lists a backend kind's modes itself, only
// this file changes.

#include <string>
#include <vector>

namespace ss::certify {

/// The built-in handlers this machine can run, in every mode (Redis when REDIS_PORT is set);
/// file-backed stores under `scratch_dir`. What `certify --all` certifies.
[[nodiscard]] std::vector<std::string> all_handlers(const std::string& scratch_dir);

/// PHP's own modules: php:files and, when REDIS_PORT is set, phpredis without locking, with its
/// default lock and with a lock that waits. What `certify --php-modules` certifies.
[[nodiscard]] std::vector<std::string> php_module_handlers();

}  // namespace ss::certify
