#include "certify/handlers.hpp"

#include <cstdlib>
#include <memory>

#include "certify/inprocess_target.hpp"
#include "certify/php_target.hpp"
#include "certify/target.hpp"
#include "handlers/registry.hpp"
#include "oracle/php_module.hpp"

namespace ss::certify {

std::vector<std::string> all_handlers(const std::string& scratch_dir) {
  std::vector<std::string> out;
  for (const auto& uri : handlers::available_handlers(scratch_dir)) {
    auto spec = handlers::parse_handler_spec(uri);
    if (!spec) continue;
    // Each kind lists its own modes (redis: none, optimistic, lock; sqlite: two lock modes).
    for (const auto& mode : handlers::modes_of(spec.value())) out.push_back(mode.text);
  }
  return out;
}

namespace {

/// The base handler of `uri` (what its decorators wrap), as the registry parses it; `uri`
/// itself when it does not parse (the registry then refuses it anyway).
std::string base_of(const std::string& uri) {
  auto spec = handlers::parse_handler_spec(uri);
  return spec ? spec.value().base.text : uri;
}

/// exec:COMMAND: the command's last word names the handler (serve.php FILE CLASS) or is the
/// program itself; its directory is not part of the name.
std::string exec_name(std::string command) {
  const std::size_t timeout = command.rfind("?timeout_ms=");
  if (timeout != std::string::npos) command.resize(timeout);
  const std::size_t end = command.find_last_not_of(" \t");
  if (end == std::string::npos) return "exec";
  const std::size_t start = command.find_last_of(" \t/", end);
  return "exec:" + command.substr(start == std::string::npos ? 0 : start + 1,
                                  end - (start == std::string::npos ? 0 : start + 1) + 1);
}

}  // namespace

std::string display_name(const std::string& uri) {
  const std::string base = base_of(uri);
  if (base != uri) return uri.substr(0, uri.size() - base.size()) + display_name(base);
  if (uri.rfind("php:", 0) == 0) return "php:" + display_name(uri.substr(4));
  if (uri.rfind("exec:", 0) == 0) return exec_name(uri.substr(5));
  const std::size_t q = uri.find('?');
  const std::string head = uri.substr(0, q);
  const std::string query = q == std::string::npos ? "" : uri.substr(q);
  return head.substr(0, head.find(':')) + query;
}

std::vector<std::string> all_guarantee_fields() {
  return {"concurrency", "expiry", "ttl_s", "id_bytes_max", "payload_bytes_max"};
}

bool own_process(const std::string& uri) {
  return base_of(uri).rfind("exec:", 0) == 0;
}

std::vector<std::string> assumed_guarantees(const std::string& uri) {
  // handlers/exec_handler.cpp: "Nothing is known about an external handler's concurrency:
  // assume the weakest" -- and the protocol declares no store guarantee either.
  if (base_of(uri).rfind("exec:", 0) == 0) return all_guarantee_fields();
  return {};
}

std::vector<std::string> php_module_handlers() {
  std::vector<std::string> out{"php:files"};
  const char* port = std::getenv("REDIS_PORT");
  if (port != nullptr && *port != '\0') {
    const std::string base = std::string("php:redis://127.0.0.1:") + port;
    out.push_back(base + "?locking=0");
    out.push_back(base + "?locking=1");
    out.push_back(base + "?locking=1&lock_retries=-1");
  }
  const char* seeds = std::getenv("REDIS_CLUSTER_SEEDS");
  if (seeds != nullptr && *seeds != '\0') {
    out.push_back(std::string("php:rediscluster://") + seeds);
  }
  return out;
}

std::unique_ptr<Target> make_target(const std::string& uri, const std::string& work_dir,
                                    std::string& error) {
  if (!oracle::is_php_module_uri(uri)) return std::make_unique<InProcessTarget>(uri);
  auto module = oracle::parse_php_module_uri(uri, error);
  if (!module) return nullptr;
  return std::make_unique<PhpModuleTarget>(std::move(*module), work_dir);
}

}  // namespace ss::certify
