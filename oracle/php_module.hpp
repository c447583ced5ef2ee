#pragma once
// Real PHP session modules as certifiable handlers (docs/certify.md, "Real PHP modules"):
//
//   php:files                                         PHP's built-in files module
//   php:redis://HOST:PORT[?locking=0|1&lock_retries=N&lock_wait_us=N&lock_expire_s=N]
//                                                     phpredis's redis module (php8.2-redis)
//   php:rediscluster://HOST:PORT[,HOST:PORT...][?locking=0|1&...]
//                                                     phpredis's rediscluster module: a Redis
//                                                     Cluster reached through its seed nodes
//
// The scenario runs inside PHP's own session module and the module does the storing; the
// harness's SessionHandler wrapper only records the calls (oracle/README.md, "Modules").

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "handlers/seam.hpp"
#include "model/options.hpp"
#include "oracle/php_oracle.hpp"

namespace ss::oracle {

struct PhpModuleUri {
  /// The URI as given (what certificates and replay lines show).
  std::string uri;
  /// "files", "redis" or "rediscluster".
  std::string module;
  /// redis: the server (loopback only) and phpredis's session settings (redis.session.*).
  std::string host;
  int port = 0;
  bool locking = false;
  std::map<std::string, std::string> ini;
  /// rediscluster: the seed nodes as HOST:PORT (loopback only), in the URI's order.
  std::vector<std::string> seeds;

  /// What the module promises: files serialises (flock from read to close) and forgets by gc;
  /// phpredis serialises only with locking, and forgets by TTL (gc_maxlifetime of `opts`). For
  /// the cluster module too, as configured: that it ignores `locking` is a finding, not a promise.
  [[nodiscard]] handlers::Guarantees guarantees(const model::RunOptions& opts) const;
  /// `php -n` needs these to load phpredis (and igbinary, which it links against).
  [[nodiscard]] std::vector<std::string> php_args() const;
  /// A module setup whose store nobody else uses: files in `scratch_dir/php-files-TAG`, redis
  /// and rediscluster keys under the prefix `sessionspec-PID-TAG:`.
  [[nodiscard]] ModuleSetup isolated(const std::string& scratch_dir, const std::string& tag) const;
};

/// True for URIs of the php: scheme (which only certify and oracle run).
[[nodiscard]] bool is_php_module_uri(const std::string& uri);

/// Parses a php: URI; nullopt with a one-line `error` naming the URI and what is wrong.
[[nodiscard]] std::optional<PhpModuleUri> parse_php_module_uri(const std::string& uri,
                                                               std::string& error);

}  // namespace ss::oracle
