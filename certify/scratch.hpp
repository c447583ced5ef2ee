#pragma once
// A private scratch directory (mkdtemp under the temporary directory), removed with everything
// in it when the owner goes away, also when a run ends early.

#include <string>

namespace ss::certify {

class ScratchDir {
 public:
  /// Creates `TMPDIR/PREFIX-XXXXXX`; ok() is false when it could not.
  explicit ScratchDir(const std::string& prefix);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  [[nodiscard]] bool ok() const { return !path_.empty(); }
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ss::certify
