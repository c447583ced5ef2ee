#include "certify/handlers.hpp"

#include <cstdlib>
#include <memory>

#include "certify/inprocess_target.hpp"
#include "certify/php_target.hpp"
#include "certify/target.hpp"
#include "oracle/php_module.hpp"
#include "properties/target.hpp"

namespace ss::certify {

std::vector<std::string> all_handlers(const std::string& scratch_dir) {
  std::vector<std::string> out;
  for (const auto& uri : properties::available_handlers(scratch_dir)) {
    out.push_back(uri);
    if (uri.rfind("sqlite:", 0) == 0) out.push_back(uri + "?lock=transactional");
    if (uri.rfind("redis:", 0) == 0) {
      out.back() += "?mode=none";
      out.push_back(uri + "?mode=optimistic");
      out.push_back(uri + "?mode=lock");
    }
  }
  return out;
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
