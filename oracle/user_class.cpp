#include "oracle/user_class.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "base/child_process.hpp"
#include "handlers/handler_uri.hpp"
#include "oracle/php_runner.hpp"
#include "oracle/program.hpp"

namespace ss::oracle {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/// Where Debian's libfaketime puts its preload library.
constexpr const char* faketime_path = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
/// Introspection builds the handler once; a bootstrap slower than this is broken.
constexpr int introspect_timeout_ms = 20'000;
/// One process of the create_sid check makes its ids in well under this.
constexpr int create_sid_timeout_ms = 20'000;
/// The frozen time of the create_sid check's processes (the scenarios' default start).
constexpr std::int64_t sid_clock_s = 1'700'000'000;
/// Every store a process makes gets a number of its own (directories and key prefixes).
std::atomic<unsigned> store_number{0};

std::optional<long long> integer(const std::string& text) {
  long long v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::string canonical(const std::string& key, std::string value) {
  return handlers::canonical_guarantee(key, std::move(value));
}

/// A PHP value from the class's declaration as the text a URI parameter would give.
std::optional<std::string> as_text(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<long long>());
  return std::nullopt;
}

std::optional<model::Variant> variant_of(const std::string& name) {
  return model::parse_variant(name);
}

/// The context the bootstrap gets (oracle/src/UserClass.php documents it).
json context(const std::string& dir, const std::string& tag) {
  const auto port = [](const char* var) -> json {
    const char* v = std::getenv(var);
    const auto n = v != nullptr ? integer(v) : std::nullopt;
    return n ? json(*n) : json(nullptr);
  };
  return {{"dir", dir},
          {"prefix", "sessionspec-" + std::to_string(::getpid()) + "-" + tag + ":"},
          {"redis_port", port("REDIS_PORT")},
          {"memcached_port", port("MEMCACHED_PORT")},
          {"tag", tag}};
}

}  // namespace

std::string faketime_library() {
  return ::access(faketime_path, R_OK) == 0 ? faketime_path : "";
}

std::optional<UserClassUri> UserClassUri::parse(const std::string& rest, std::string& error) {
  UserClassUri out;
  const std::size_t q = rest.find('?');
  out.bootstrap = rest.substr(0, q);
  if (out.bootstrap.empty()) {
    error = "needs the path of a bootstrap file";
    return std::nullopt;
  }
  std::error_code ec;
  const fs::path abs = fs::absolute(out.bootstrap, ec);
  if (ec || !fs::is_regular_file(abs, ec)) {
    error = "bootstrap file '" + out.bootstrap + "' does not exist";
    return std::nullopt;
  }
  out.bootstrap_path = abs.lexically_normal().string();
  if (q == std::string::npos) return out;
  auto params = handlers::parse_handler_uri("x:y" + rest.substr(q), error);
  if (!params) return std::nullopt;
  for (const auto& [key, value] : params->params) {
    if (key == "ext") {
      std::size_t pos = 0;
      while (pos <= value.size()) {
        const std::size_t comma = std::min(value.find(',', pos), value.size());
        const std::string name = value.substr(pos, comma - pos);
        if (name.empty() ||
            name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
          error = "ext=" + value + " is not a list of extension names (ext=pdo,pdo_sqlite)";
          return std::nullopt;
        }
        out.extensions.push_back(name);
        pos = comma + 1;
      }
    } else if (key == "clock") {
      if (value != "faketime" && value != "real") {
        error = "clock=" + value + " is not faketime or real";
        return std::nullopt;
      }
      out.faketime = value == "faketime";
    } else if (auto why = check_guarantee(key, value)) {
      error = *why;
      return std::nullopt;
    } else {
      out.declared[key] = canonical(key, value);
    }
  }
  return out;
}

namespace {

/// The declared value of `key` (the URI's over the class's), or nullopt.
std::optional<std::string> declared_value(const UserClassUri& u, const std::string& key) {
  if (auto it = u.declared.find(key); it != u.declared.end()) return it->second;
  if (u.info) {
    if (auto it = u.info->declared.find(key); it != u.info->declared.end()) return it->second;
  }
  return std::nullopt;
}

}  // namespace

handlers::Guarantees UserClassUri::guarantees(const model::RunOptions& opts) const {
  std::map<std::string, std::string> all =
      info ? info->declared : std::map<std::string, std::string>{};
  for (const auto& [key, value] : declared) all[key] = value;
  // A TTL or a lazy lifetime nobody gave is PHP's session.gc_maxlifetime, as most handlers use.
  handlers::Guarantees base;
  base.store.ttl_s = opts.gc_maxlifetime;
  return handlers::apply_declared(base, all);
}

std::vector<std::string> UserClassUri::assumed() const {
  std::vector<std::string> out;
  for (const auto& key : guarantee_keys()) {
    if (!declared_value(*this, key)) out.push_back(key);
  }
  return out;
}

std::map<std::string, std::string> UserClassUri::declared_by() const {
  std::map<std::string, std::string> out;
  for (const auto& key : guarantee_keys()) {
    if (declared.count(key)) {
      out[key] = "the URI";
    } else if (info && info->declared.count(key)) {
      out[key] = info->source;
    }
  }
  return out;
}

std::string UserClassUri::describe() const {
  const std::string cls = info ? info->class_name : std::string("the class");
  std::string out = cls + " (" +
                    std::string(model::variant_name(info ? info->variant : model::Variant::full)) +
                    "):";
  const auto sources = declared_by();
  for (const auto& key : guarantee_keys()) {
    const auto it = sources.find(key);
    const std::string where = it == sources.end() ? "" : it->second;
    const auto v = declared_value(*this, key);
    const std::string shown = v                       ? *v
                              : key == "concurrency"  ? "last-writer-wins"
                              : key == "expiry"       ? "gc-only"
                              : key == "ttl_s"        ? "session.gc_maxlifetime"
                              : key == "id_bytes_max" ? "256"
                                                      : "unlimited";
    out += " " + key + "=" + shown + (where.empty() ? " (assumed)" : " (" + where + ")");
    out += key == guarantee_keys().back() ? "" : ";";
  }
  return out;
}

std::vector<std::string> UserClassUri::php_args() const {
  std::vector<std::string> out;
  for (const auto& e : extensions) {
    out.push_back("-d");
    out.push_back("extension=" + e + ".so");
  }
  return out;
}

std::vector<std::string> UserClassUri::php_env(const std::string& work_dir) const {
  if (!faketime || faketime_library().empty()) return {};
  // A frozen clock in UTC that the harness moves by rewriting the file; file times and the
  // monotonic clock stay real (locks, timeouts and stat() are not the handler's clock).
  return {"TZ=UTC",
          "LD_PRELOAD=" + faketime_library(),
          "FAKETIME_TIMESTAMP_FILE=" + work_dir + "/faketime",
          "FAKETIME_NO_CACHE=1",
          "NO_FAKE_STAT=1",
          "FAKETIME_DONT_FAKE_MONOTONIC=1"};
}

ModuleSetup UserClassUri::isolated(const std::string& scratch_dir, const std::string& tag) const {
  ModuleSetup m;
  m.module = "class";
  m.variant = info ? info->variant : model::Variant::full;
  m.user_class = {{"bootstrap", bootstrap_path}, {"set_clock", true}};
  if (faketime && !faketime_library().empty()) {
    m.user_class["faketime_file"] = scratch_dir + "/faketime";
  }
  m.save_path = scratch_dir + "/class-" + tag;
  m.user_class["context"] = context(m.save_path, tag);
  return fresh_class_store(m);
}

ModuleSetup fresh_class_store(const ModuleSetup& store) {
  ModuleSetup m = store;
  json& ctx = m.user_class["context"];
  const std::string base = ctx.value("tag", std::string("store"));
  const std::string tag = base.substr(0, base.find('.')) + "." + std::to_string(++store_number);
  const std::string parent = fs::path(store.save_path).parent_path().string();
  m.save_path = parent + "/class-" + tag;
  ::mkdir(parent.c_str(), 0700);
  ::mkdir(m.save_path.c_str(), 0700);
  ctx = context(m.save_path, tag);
  return m;
}

base::Result<std::monostate> describe_user_class(UserClassUri& uri, const OracleSetup& setup) {
  ::mkdir(setup.work_dir.c_str(), 0700);
  const ModuleSetup probe = uri.isolated(setup.work_dir, "introspect");
  const std::string ctx_file = setup.work_dir + "/introspect-context.json";
  std::ofstream(ctx_file, std::ios::trunc) << probe.user_class["context"].dump();
  OracleSetup s = setup;
  s.php_args = uri.php_args();
  s.env = uri.php_env(setup.work_dir);
  auto argv = php_command(s, setup.harness_dir + "/introspect.php");
  argv.push_back(uri.bootstrap_path);
  argv.push_back(ctx_file);
  const base::ProcessResult r = base::run_process(argv, introspect_timeout_ms);
  const std::string head = "php:class:" + uri.bootstrap + ": ";
  json answer = json::parse(r.out.substr(0, r.out.find('\n')), nullptr, false);
  if (answer.is_discarded() || !answer.is_object()) {
    std::string why = r.err.substr(0, r.err.find('\n'));
    if (why.empty()) why = r.started ? base::describe_wait_status(r.status) : r.error;
    return base::error(head + "PHP could not load the bootstrap (" + why + ")");
  }
  if (answer.contains("error")) return base::error(head + answer.value("error", "?"));
  UserClassInfo info;
  info.class_name = answer.value("class", "?");
  const auto variant = variant_of(answer.value("variant", ""));
  if (!variant) return base::error(head + "unknown shape " + answer.value("variant", ""));
  info.variant = *variant;
  const json& g = answer["guarantees"];
  if (g.is_object()) {
    const std::string source = g.value("source", "?");
    info.source = source.rfind('#', 0) == 0 ? source : info.class_name + "::" + source;
    for (const auto& [key, v] : g["values"].items()) {
      const auto text = as_text(v);
      const auto why = text ? check_guarantee(key, *text)
                            : std::optional<std::string>(key + " must be a string or an integer");
      if (why) return base::error(head + info.source + ": " + *why);
      info.declared[key] = canonical(key, *text);
    }
  }
  uri.info = std::move(info);
  return std::monostate{};
}

namespace {

/// One process of user_class_sids(): its ids appended to `ids`; false when the class has none.
base::Result<bool> class_sids_once(const UserClassUri& uri, const OracleSetup& s,
                                   const std::string& ctx_file, std::size_t count,
                                   std::vector<std::string>& ids) {
  auto argv = php_command(s, s.harness_dir + "/create_sid.php");
  argv.insert(argv.end(), {uri.bootstrap_path, ctx_file, std::to_string(count)});
  const base::ProcessResult r = base::run_process(argv, create_sid_timeout_ms);
  const std::string head = "php:class:" + uri.bootstrap + ": create_sid: ";
  json answer = json::parse(r.out.substr(0, r.out.find('\n')), nullptr, false);
  if (answer.is_discarded() || !answer.is_object()) {
    std::string why = r.err.substr(0, r.err.find('\n'));
    if (why.empty()) why = r.started ? base::describe_wait_status(r.status) : r.error;
    return base::error(head + "PHP could not run it (" + why + ")");
  }
  if (answer.contains("error")) return base::error(head + answer.value("error", "?"));
  const json& got = answer["ids"];
  if (got.is_null()) return false;
  if (!got.is_array() || got.size() != count)
    return base::error(head + "not " + std::to_string(count) + " ids");
  for (const auto& id : got) ids.push_back(id.is_string() ? id.get<std::string>() : id.dump());
  return true;
}

}  // namespace

base::Result<std::optional<std::vector<std::string>>> user_class_sids(const UserClassUri& uri,
                                                                      const OracleSetup& setup,
                                                                      std::size_t count,
                                                                      std::size_t per_process) {
  ::mkdir(setup.work_dir.c_str(), 0700);
  const ModuleSetup store = uri.isolated(setup.work_dir, "sids");
  const std::string ctx_file = setup.work_dir + "/sids-context.json";
  std::ofstream(ctx_file, std::ios::trunc) << store.user_class["context"].dump();
  OracleSetup s = setup;
  s.php_args = uri.php_args();
  s.env = uri.php_env(setup.work_dir);
  // Every process sees the same frozen time, as the requests of a scenario do: ids seeded from
  // time() repeat as they would in PHP-FPM workers started within one second.
  std::string error;
  if (uri.faketime && !write_faketime(setup.work_dir + "/faketime", sid_clock_s, error)) {
    return base::error("php:class:" + uri.bootstrap + ": " + error);
  }
  std::vector<std::string> ids;
  for (std::size_t made = 0; made < count; made += per_process) {
    auto once = class_sids_once(uri, s, ctx_file, std::min(per_process, count - made), ids);
    if (!once) return base::error(once.error().message);
    if (!once.value()) return std::optional<std::vector<std::string>>();
  }
  return std::optional<std::vector<std::string>>(std::move(ids));
}

bool write_faketime(const std::string& file, std::int64_t now_s, std::string& error) {
  // The format libfaketime reads as a frozen absolute time (TZ=UTC in the PHP processes).
  const auto t = static_cast<std::time_t>(now_s);
  std::tm tm{};
  char text[32];
  if (::gmtime_r(&t, &tm) == nullptr ||
      std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S\n", &tm) == 0) {
    error = "time " + std::to_string(now_s) + " cannot be written for libfaketime";
    return false;
  }
  const std::string tmp = file + ".tmp";
  std::ofstream(tmp, std::ios::trunc) << text;
  if (std::rename(tmp.c_str(), file.c_str()) != 0) {
    error = "cannot write the faketime file " + file;
    return false;
  }
  return true;
}

void unwrap_proxy_names(std::vector<json>& lines) {
  static const std::string proxy = "SessionSpecProxy";
  for (auto& line : lines) {
    if (!line.contains("diagnostics") || !line["diagnostics"].is_array()) continue;
    for (auto& d : line["diagnostics"]) {
      if (!d.contains("message") || !d["message"].is_string()) continue;
      std::string m = d["message"].get<std::string>();
      for (std::size_t at = m.find(proxy); at != std::string::npos; at = m.find(proxy, at)) {
        m.erase(at, proxy.size());
      }
      d["message"] = m;
    }
  }
}

bool is_progress_line(const json& line) {
  return line.is_object() && (line.contains("calling") || line.contains("returned"));
}

}  // namespace ss::oracle
