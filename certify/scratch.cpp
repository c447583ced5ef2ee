#include "certify/scratch.hpp"

#include <stdlib.h>

#include <filesystem>
#include <system_error>

namespace ss::certify {

ScratchDir::ScratchDir(const std::string& prefix) {
  std::error_code ec;
  std::string tmpl = (std::filesystem::temp_directory_path(ec) / (prefix + "-XXXXXX")).string();
  if (!ec && ::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
}

ScratchDir::~ScratchDir() {
  if (path_.empty()) return;
  std::error_code ignored;  // A scratch directory that cannot be removed only costs disk.
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace ss::certify
