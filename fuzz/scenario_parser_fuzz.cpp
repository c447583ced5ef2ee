// scenario_parser_fuzz: scenarios::parse_scenario() on arbitrary text.
//
// Properties (any violation aborts; an exception escaping the parser is a crash too):
// * the parser never crashes or throws;
// * a parsed scenario respects the named limits: 1..requests_max requests, at most
//   steps_per_request_max steps each, and it came from at most scenario_bytes_max bytes;
// * what the parser accepted is usable as-is: its ini lines and session_start options are accepted
//   by RunOptions (an ini_set value is PHP's to judge at run time), resolve_options() succeeds,
//   `advance` never goes back, string keys are already normalised (a numeric string would have
//   become an integer key), and every step renders (php_syntax, script_args, serialize of its
//   value).

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "fuzz/fuzz_check.hpp"
#include "model/codec.hpp"
#include "scenarios/events.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/scenario.hpp"
#include "scenarios/trace.hpp"

namespace {

using ss::scenarios::Scenario;

void check_step(const ss::scenarios::Step& st, const std::string& where) {
  const ss::model::ScriptCall& c = st.call;
  // Only session_start's options are RunOptions; ini_set carries its (free-form) value in the same
  // map under "value", and PHP itself decides at run time whether it takes it.
  if (c.op == ss::model::Op::session_start) {
    for (const auto& [k, v] : c.options) {
      ss::model::RunOptions probe;
      FUZZ_CHECK(!probe.set(k, v).has_value(), where + ": session_start option " + k + "=" + v);
    }
  }
  if (c.op == ss::model::Op::ini_set) {
    FUZZ_CHECK(c.text && !c.text->empty() && c.options.count("value") == 1,
               where + ": ini_set without a value");
  }
  if (c.op == ss::model::Op::advance) FUZZ_CHECK(c.seconds >= 0, where);
  if (const auto* s = std::get_if<std::string>(&c.key)) {
    FUZZ_CHECK(std::holds_alternative<std::string>(ss::model::normalise_key(*s)),
               where + ": unnormalised key " + *s);
  }
  FUZZ_CHECK(st.line > 0, where);
  (void)ss::scenarios::php_syntax(c);
  (void)ss::scenarios::script_args(c);
  (void)ss::model::serialize(c.value);
}

void check_scenario(const Scenario& sc, std::size_t text_bytes) {
  FUZZ_CHECK(text_bytes <= ss::scenarios::scenario_bytes_max, "oversized text accepted");
  FUZZ_CHECK(!sc.requests.empty(), "a scenario without requests");
  FUZZ_CHECK(sc.requests.size() <= ss::scenarios::requests_max, "too many requests");
  FUZZ_CHECK(!sc.name.empty(), "a scenario without a name");
  for (const auto& [k, v] : sc.ini) {
    ss::model::RunOptions probe;
    FUZZ_CHECK(!probe.set(k, v).has_value(), "ini " + k + "=" + v);
  }
  const auto resolved = ss::scenarios::resolve_options(sc, ss::scenarios::RunConfig{});
  FUZZ_CHECK(resolved.ok(), resolved.ok() ? "" : resolved.error().message);
  for (const auto& r : sc.requests) {
    const std::string where = "request at line " + std::to_string(r.line);
    FUZZ_CHECK(r.steps.size() <= ss::scenarios::steps_per_request_max, where);
    FUZZ_CHECK(!r.name.empty(), where);
    for (const auto& st : r.steps) {
      check_step(st, where + ", step at line " + std::to_string(st.line));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto parsed = ss::scenarios::parse_scenario(text, "fuzz.scn");
  if (const auto* sc = std::get_if<Scenario>(&parsed)) {
    check_scenario(*sc, size);
  } else {
    const auto& err = std::get<ss::scenarios::ParseError>(parsed);
    FUZZ_CHECK(!err.message.empty(), "a parse error without a message");
    FUZZ_CHECK(err.file == "fuzz.scn", err.str());
  }
  return 0;
}
