#include "scenarios/replay.hpp"

namespace ss::scenarios {

// Handler URIs are quoted as they always were ('...'), so that printed replay lines stay the
// same; base/'s shell quoting replaces this when it lands, here and nowhere else.
std::string shell_quoted(const std::string& text) {
  return "'" + text + "'";
}

std::string ReplayLine::str() const {
  std::string line = "sessionspec " + verb + " " + file;
  if (!engine.empty()) line += " --engine " + engine;
  if (!handler.empty()) line += " --handler " + shell_quoted(handler);
  line += " --seed " + std::to_string(seed);
  for (const auto& kv : ini) line += " --ini " + kv;
  if (!variant.empty()) line += " --variant " + variant;
  if (!schedule.empty()) line += " --replay " + schedule;
  return line;
}

}  // namespace ss::scenarios
