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

/// The short name of `uri` for rows, JUnit and traces: its scheme and its mode parameters,
/// without paths, hosts or ports (`files`, `sqlite?lock=transactional`, `redis?mode=lock`,
/// `php:redis?locking=1`, `exec:PdoSqliteHandler`, `mutant:destroy-noop+memory`).
[[nodiscard]] std::string display_name(const std::string& uri);

/// Every field of handlers::Guarantees, by name.
[[nodiscard]] std::vector<std::string> all_guarantee_fields();

/// The guarantee fields of `uri`'s backend that nobody declared: every field for an exec:
/// handler (the protocol has no way to declare them), none for the built-in backends.
[[nodiscard]] std::vector<std::string> assumed_guarantees(const std::string& uri);

/// Whether `uri`'s handler is a process of the handler author's own (exec:, also under a
/// mutant): when it hangs, dies or speaks garbage, the handler failed, not the infrastructure.
[[nodiscard]] bool own_process(const std::string& uri);

/// PHP's own modules: php:files and, when REDIS_PORT is set, phpredis without locking, with its
/// default lock and with a lock that waits; and phpredis's rediscluster module when
/// REDIS_CLUSTER_SEEDS names the seed nodes of a Redis Cluster (HOST:PORT,...). What
/// `certify --php-modules` certifies.
[[nodiscard]] std::vector<std::string> php_module_handlers();

}  // namespace ss::certify
