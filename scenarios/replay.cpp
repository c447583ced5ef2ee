#include "scenarios/replay.hpp"

#include "base/shell_quote.hpp"

namespace ss::scenarios {

std::string ReplayLine::str() const {
  // Every argument as one shell word (base::shell_quote): a scenario path with a space or a
  // handler URI with `?` or `\` survives being pasted into sh or bash.
  auto word = [](const std::string& arg) { return base::shell_quote(arg); };
  std::string line = "sessionspec " + verb + " " + word(file);
  if (!engine.empty()) line += " --engine " + word(engine);
  if (!handler.empty()) line += " --handler " + word(handler);
  line += " --seed " + std::to_string(seed);
  for (const auto& kv : ini) line += " --ini " + word(kv);
  if (!variant.empty()) line += " --variant " + word(variant);
  if (!faults.empty()) line += " --faults " + word(faults);
  if (!schedule.empty()) line += " --replay " + word(schedule);
  return line;
}

}  // namespace ss::scenarios
