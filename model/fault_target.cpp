#include "model/fault_target.hpp"

#include <charconv>

namespace ss::model {

std::optional<FaultTarget> parse_fault_target(std::string_view text, std::string& error) {
  const std::string_view name = text.substr(0, text.find('#'));
  const auto method = parse_method(name);
  if (!method) {
    error =
        "expected a handler method (open, close, read, write, destroy, gc, create_sid, "
        "validateId, updateTimestamp), got '" +
        std::string(name) + "'";
    return std::nullopt;
  }
  FaultTarget t{*method, 1};
  if (name.size() < text.size()) {
    const std::string_view n = text.substr(name.size() + 1);
    auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), t.occurrence);
    if (ec != std::errc() || p != n.data() + n.size() || t.occurrence < 1 ||
        t.occurrence > fault_occurrence_max) {
      error = "expected an occurrence 1.." + std::to_string(fault_occurrence_max) +
              " after '#', got '" + std::string(n) + "'";
      return std::nullopt;
    }
  }
  return t;
}

}  // namespace ss::model
