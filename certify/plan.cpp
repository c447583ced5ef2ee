#include "certify/plan.hpp"

#include <algorithm>

namespace ss::certify {

bool selected(const Plan& plan, std::string_view row_id) {
  if (plan.only.empty()) return true;
  return std::any_of(plan.only.begin(), plan.only.end(),
                     [&](const std::string& prefix) { return row_id.rfind(prefix, 0) == 0; });
}

}  // namespace ss::certify
