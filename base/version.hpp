#pragma once
// The tool's version and the commit it was built from, for `--version`, certificates and reports.

#include <string_view>

namespace ss::base {

/// The project version (CMake's PROJECT_VERSION), e.g. "0.1.0".
[[nodiscard]] std::string_view version();
/// The git commit the build was configured from (short hash, "-dirty" when the tree had
/// uncommitted changes), or "unknown" outside a git checkout.
[[nodiscard]] std::string_view commit();

}  // namespace ss::base
