#include "certify/data.hpp"

#include <filesystem>

#include "oracle/php_oracle.hpp"

#ifndef SESSIONSPEC_SOURCE_DIR_DEFAULT
#define SESSIONSPEC_SOURCE_DIR_DEFAULT "."
#endif

namespace ss::certify {

DataPaths data_paths() {
  // Today the data is the source tree this binary was built from.
  const std::filesystem::path root = SESSIONSPEC_SOURCE_DIR_DEFAULT;
  return {(root / "scenarios").string(), (root / "reports" / "sessionspec_report.py").string(),
          oracle::find_harness_dir("")};
}

}  // namespace ss::certify
