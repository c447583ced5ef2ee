#pragma once
// Where sessionspec's data is: the shipped scenarios, the PHP harness and adapter, and the report
// generator. An installed binary <prefix>/bin/sessionspec finds them in <prefix>/share/sessionspec;
// a binary in a build tree (<build>/cli/sessionspec, <build>/tests/...) finds them in
// <build>/share/sessionspec, which the build fills with links to the source folders. One rule
// serves both, so no source path is compiled into a binary. SESSIONSPEC_DATA_DIR overrides the
// rule, for an installation that was moved or unpacked somewhere else.

#include <string>
#include <string_view>

namespace ss::base {

/// The environment variable that overrides where the data directory is.
inline constexpr const char* data_dir_env = "SESSIONSPEC_DATA_DIR";

/// A data file's absolute path, or a one-line reason why it cannot be found.
struct DataPath {
  /// The path; empty when the file was not found.
  std::string path;
  /// What was looked for and where, when `path` is empty (one line, no trailing newline).
  std::string error;
  explicit operator bool() const { return !path.empty(); }
};

/// The data directory: $SESSIONSPEC_DATA_DIR when it is set and not empty, otherwise
/// <directory of the running binary>/../share/sessionspec. Not checked to exist; an empty
/// string when the running binary cannot be located.
[[nodiscard]] std::string data_dir();

/// `relative` (e.g. "scenarios", "oracle/harness.php") inside data_dir(), checked to exist.
[[nodiscard]] DataPath data_path(std::string_view relative);

}  // namespace ss::base
