#include "handlers/isolation.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace ss::handlers {

Result<std::string> make_scratch_dir(const std::string& parent, const std::string& label,
                                     const std::string& uri_text) {
  std::string tmpl = (parent.empty() ? std::string(".") : parent) + "/" + label + "-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return fail(ErrorCode::io, "handler '" + uri_text + "': cannot create a directory in " +
                                   (parent.empty() ? std::string(".") : parent) + ": " +
                                   std::strerror(errno));
  }
  return tmpl;
}

std::string unique_instance_suffix() {
  static std::atomic<std::uint64_t> counter{0};
  return std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
}

}  // namespace ss::handlers
