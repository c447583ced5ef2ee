#include "oracle/php_module.hpp"

#include <unistd.h>

#include <charconv>

#include "handlers/handler_uri.hpp"

namespace ss::oracle {

namespace {

/// A sess_<id> file name must fit NAME_MAX (255): the files module cannot store longer ids.
constexpr std::size_t files_id_bytes_max = 250;

const char* const usage =
    "want php:files, php:redis://HOST:PORT[?locking=0|1&lock_retries=N&lock_wait_us=N&"
    "lock_expire_s=N] or php:class:BOOTSTRAP.php[?concurrency=C&expiry=E&ext=a,b&...]";

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

bool parse_redis(const handlers::HandlerUri& inner, PhpModuleUri& out, std::string& error) {
  const std::size_t colon = inner.target.rfind(':');
  const auto port =
      colon == std::string::npos ? std::nullopt : integer(inner.target.substr(colon + 1));
  if (!port || *port < 1 || *port > 65535) {
    error = "needs HOST:PORT with a port 1..65535";
    return false;
  }
  out.host = inner.target.substr(0, colon);
  out.port = static_cast<int>(*port);
  if (!loopback(out.host)) {
    error = "host '" + out.host + "' is not a loopback address (127.0.0.0/8 or localhost); " +
            "sessionspec never sends session data elsewhere";
    return false;
  }
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
    return g;
  }
  g.concurrency =
      locking ? handlers::Concurrency::serialised : handlers::Concurrency::last_writer_wins;
  g.store.expiry = model::Expiry::ttl;
  g.store.ttl_s = opts.gc_maxlifetime;
  return g;
}

std::vector<std::string> PhpModuleUri::php_args() const {
  if (user_class) return user_class->php_args();
  if (module != "redis") return {};
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
  if (module == "files") {
    m.save_path = scratch_dir + "/php-files-" + tag;
  } else {
    m.save_path = "tcp://" + host + ":" + std::to_string(port) + "?prefix=sessionspec-" +
                  std::to_string(::getpid()) + "-" + tag + ":";
  }
  return m;
}

}  // namespace ss::oracle
