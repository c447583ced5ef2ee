#include "base/data_dir.hpp"

#include <cstdlib>
#include <filesystem>
#include <system_error>

namespace ss::base {

namespace fs = std::filesystem;

namespace {

/// The data directory relative to the directory of the binary: bin/ and share/ are siblings in
/// an installation (cmake/Install.cmake puts them there) and in a build tree, whose binaries all
/// sit one level below the build directory.
constexpr std::string_view data_dir_from_binary = "../share/sessionspec";

/// The directory the running binary was loaded from (symlinks resolved by the kernel), or "".
fs::path binary_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

}  // namespace

std::string data_dir() {
  const char* env = std::getenv(data_dir_env);
  if (env != nullptr && *env != '\0') return env;
  const fs::path bin = binary_dir();
  if (bin.empty()) return {};
  return (bin / data_dir_from_binary).lexically_normal().string();
}

DataPath data_path(std::string_view relative) {
  const std::string dir = data_dir();
  const std::string env_name(data_dir_env);
  if (dir.empty()) {
    return {{}, "cannot locate the running binary (/proc/self/exe); set " + env_name};
  }
  std::error_code ec;
  const fs::path file = fs::absolute(fs::path(dir) / relative, ec).lexically_normal();
  if (!ec && fs::exists(file, ec)) return {file.string(), {}};
  const char* env = std::getenv(data_dir_env);
  const std::string where = env != nullptr && *env != '\0'
                                ? " (from " + env_name + ")"
                                : " (next to the binary; set " + env_name + " to use another)";
  return {{}, "data file '" + std::string(relative) + "' not found in " + dir + where};
}

}  // namespace ss::base
