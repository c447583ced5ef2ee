#include "oracle/php_module.hpp"

#include <unistd.h>

#include <algorithm>
#include <charconv>

#include "handlers/handler_uri.hpp"

namespace ss::oracle {

namespace {

/// A sess_<id> file name must fit NAME_MAX (255): the files module cannot store longer ids.
constexpr std::size_t files_id_bytes_max = 250;

/// A cluster URI names at most this many seed nodes; phpredis needs one that answers to map
/// the whole cluster (CLUSTER SLOTS).
constexpr std::size_t cluster_seeds_max = 16;

const char* const usage =
    "want php:files, php:redis://HOST:PORT[?locking=0|1&lock_retries=N&lock_wait_us=N&"
    "lock_expire_s=N], php:rediscluster://HOST:PORT[,HOST:PORT...][?the same parameters] or "
    "php:class:BOOTSTRAP.php[?concurrency=C&expiry=E&ext=a,b&...]";

std::optional<long long> integer(const std::string& text) {
  long long v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

/// 127.0.0.0/8 as dotted quads, or localhost (connected as 127.0.0.1, never resolved).
bool loopback(std::string& host) {
  if (host == "localhost") {
    host = "127.0.0.1";
    return true;
  }
  if (host.rfind("127.", 0) != 0) return false;
  int parts = 0;
  std::size_t pos = 0;
  while (pos <= host.size() && parts < 5) {
    const std::size_t dot = std::min(host.find('.', pos), host.size());
    const auto n = integer(host.substr(pos, dot - pos));
    if (!n || *n < 0 || *n > 255) return false;
    ++parts;
    pos = dot + 1;
  }
  return parts == 4;
}

/// phpredis's session settings, by URI parameter: name, ini entry, smallest value.
struct RedisParam {
  const char* name;
  const char* ini;
  long long min;
};
constexpr RedisParam redis_params[] = {
    {"locking", "redis.session.locking_enabled", 0},
    {"lock_retries", "redis.session.lock_retries", -1},
    {"lock_wait_us", "redis.session.lock_wait_time", 1},
    {"lock_expire_s", "redis.session.lock_expire", 0},
};

/// `text` as HOST:PORT with a loopback host (localhost becomes 127.0.0.1); false with `error`.
bool parse_host_port(const std::string& text, std::string& host, int& port, std::string& error) {
  const std::size_t colon = text.rfind(':');
  const auto n = colon == std::string::npos ? std::nullopt : integer(text.substr(colon + 1));
  if (!n || *n < 1 || *n > 65535) {
    error = "needs HOST:PORT with a port 1..65535";
    return false;
  }
  host = text.substr(0, colon);
  port = static_cast<int>(*n);
  if (!loopback(host)) {
    error = "host '" + host + "' is not a loopback address (127.0.0.0/8 or localhost); " +
            "sessionspec never sends session data elsewhere";
    return false;
  }
  return true;
}

/// phpredis's session settings from the URI's parameters into `out.ini` (and `out.locking`).
bool parse_redis_params(const handlers::HandlerUri& inner, PhpModuleUri& out, std::string& error) {
  for (const auto& [key, value] : inner.params) {
    const RedisParam* p = nullptr;
    for (const auto& candidate : redis_params) {
      if (key == candidate.name) p = &candidate;
    }
    if (p == nullptr) {
      error = "unknown parameter '" + key + "'";
      return false;
    }
    const auto n = integer(value);
    if (!n || *n < p->min || (key == "locking" && *n > 1)) {
      error =
          "parameter " + key + "=" + value + " is not " +
          (key == "locking" ? std::string("0 or 1") : "an integer >= " + std::to_string(p->min));
      return false;
    }
    out.ini[p->ini] = value;
    if (key == "locking") out.locking = *n == 1;
  }
  out.ini["redis.session.locking_enabled"] = out.locking ? "1" : "0";
  return true;
}

bool parse_redis(const handlers::HandlerUri& inner, PhpModuleUri& out, std::string& error) {
  return parse_host_port(inner.target, out.host, out.port, error) &&
         parse_redis_params(inner, out, error);
}

/// `rediscluster://HOST:PORT[,HOST:PORT...][?locking=...]`: the seed nodes, and phpredis's
/// session settings. The cluster module of phpredis 5.3.7 ignores the lock settings (it has no
/// lock); they are accepted so that a configuration that relies on them can be certified.
bool parse_cluster(const handlers::HandlerUri& inner, PhpModuleUri& out, std::string& error) {
  if (inner.target.rfind("//", 0) != 0 || inner.target.size() == 2) {
    error = "needs //HOST:PORT[,HOST:PORT...] after 'rediscluster:'";
    return false;
  }
  const std::string list = inner.target.substr(2);
  std::size_t pos = 0;
  while (pos <= list.size()) {
    if (out.seeds.size() == cluster_seeds_max) {
      error = "more than " + std::to_string(cluster_seeds_max) + " seed nodes";
      return false;
    }
    const std::size_t comma = std::min(list.find(',', pos), list.size());
    std::string host;
    int port = 0;
    if (!parse_host_port(list.substr(pos, comma - pos), host, port, error)) return false;
    out.seeds.push_back(host + ":" + std::to_string(port));
    pos = comma + 1;
  }
  return parse_redis_params(inner, out, error);
}

}  // namespace

bool is_php_module_uri(const std::string& uri) {
  return uri.rfind("php:", 0) == 0;
}

std::optional<PhpModuleUri> parse_php_module_uri(const std::string& uri, std::string& error) {
  PhpModuleUri out;
  out.uri = uri;
  const std::string rest = is_php_module_uri(uri) ? uri.substr(4) : std::string();
  std::string why;
  if (rest == "files") {
    out.module = "files";
    return out;
  }
  if (rest.rfind("class:", 0) == 0) {
    out.module = "class";
    out.user_class = UserClassUri::parse(rest.substr(6), why);
    if (out.user_class) return out;
  } else if (rest.rfind("redis://", 0) == 0) {
    out.module = "redis";
    auto inner = handlers::parse_handler_uri(rest, why);
    if (inner && parse_redis(*inner, out, why)) return out;
  } else if (rest.rfind("rediscluster://", 0) == 0) {
    out.module = "rediscluster";
    auto inner = handlers::parse_handler_uri(rest, why);
    if (inner && parse_cluster(*inner, out, why)) return out;
  }
  error = "malformed handler '" + uri + "'" + (why.empty() ? "" : ": " + why) + " (" + usage + ")";
  return std::nullopt;
}

handlers::Guarantees PhpModuleUri::guarantees(const model::RunOptions& opts) const {
  if (user_class) return user_class->guarantees(opts);
  handlers::Guarantees g;
  if (module == "files") {
    g.concurrency = handlers::Concurrency::serialised;
    g.store.expiry = model::Expiry::gc_only;
    g.store.id_bytes_max = files_id_bytes_max;
    // flock() on the session file's descriptor: the kernel drops it when the process dies. The
    // file is truncated and rewritten in place, so a write cut short (a kill mid-write()) leaves
    // anything (bench/torn_data.py finds such files).
    g.faults.recovery = handlers::Recovery::process_exit;
    g.faults.failed_write = handlers::FailedWrite::undefined;
    return g;
  }
  // As configured: phpredis 5.3.7's cluster module ignores `locking` (it has no session lock;
  // phpredis #2836 proposes one), which is what certifying it with locking=1 shows.
  g.concurrency =
      locking ? handlers::Concurrency::serialised : handlers::Concurrency::last_writer_wins;
  g.store.expiry = model::Expiry::ttl;
  g.store.ttl_s = opts.gc_maxlifetime;
  // phpredis's lock key lives redis.session.lock_expire seconds, or max_execution_time when that
  // is 0; php-cli's max_execution_time is 0, and then the key has no expiry at all: a killed
  // holder's lock is never given back (no recovery declared).
  const auto expire = ini.find("redis.session.lock_expire");
  const std::int64_t expire_s = expire == ini.end() ? 0 : integer(expire->second).value_or(0);
  if (locking && module == "redis" && expire_s > 0) {
    g.faults.recovery = handlers::Recovery::lease;
    g.faults.recovery_ms = expire_s * 1000;
  }
  return g;
}

std::vector<std::string> PhpModuleUri::php_args() const {
  if (user_class) return user_class->php_args();
  if (module == "files") return {};
  return {"-d", "extension=igbinary.so", "-d", "extension=redis.so"};
}

std::vector<std::string> PhpModuleUri::php_env(const std::string& work_dir) const {
  return user_class ? user_class->php_env(work_dir) : std::vector<std::string>();
}

model::Variant PhpModuleUri::variant() const {
  if (!user_class) return model::Variant::sessionhandler;
  return user_class->info ? user_class->info->variant : model::Variant::full;
}

ModuleSetup PhpModuleUri::isolated(const std::string& scratch_dir, const std::string& tag) const {
  if (user_class) return user_class->isolated(scratch_dir, tag);
  ModuleSetup m;
  m.module = module;
  m.ini = ini;
  const std::string prefix = "sessionspec-" + std::to_string(::getpid()) + "-" + tag + ":";
  if (module == "files") {
    m.save_path = scratch_dir + "/php-files-" + tag;
  } else if (module == "redis") {
    m.save_path = "tcp://" + host + ":" + std::to_string(port) + "?prefix=" + prefix;
  } else {
    // phpredis's documented form (cluster.md, "Session Handler"): a query string of seeds.
    for (const auto& seed : seeds) m.save_path += "seed[]=" + seed + "&";
    m.save_path += "prefix=" + prefix;
  }
  return m;
}

}  // namespace ss::oracle
