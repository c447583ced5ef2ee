#include "cli/budget.hpp"

namespace ss::cli {

bool out_of_process(const std::string& uri) {
  // A mutant's URI is `mutant:NAME+BASE`: where it runs is where its base runs.
  std::string base = uri;
  if (base.rfind("mutant:", 0) == 0) {
    const std::size_t plus = base.find('+');
    base = plus == std::string::npos ? "" : base.substr(plus + 1);
  }
  return base.rfind("exec:", 0) == 0 || base.rfind("php:", 0) == 0;
}

}  // namespace ss::cli
