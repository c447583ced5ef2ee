// trace_reader_fuzz: what reads trace JSON in C++.
//
// The C++ side reads traces in one place: oracle/php_oracle.cpp parses PHP's trace lines with
// nlohmann::json::parse, then runs oracle::normalise_ids() and oracle::comparable() on the events.
// The trace writer's byte encoding (scenarios::bytes_json / json_bytes) is what makes any session
// bytes survive that trip. This target checks, for arbitrary input:
// * bytes_json then json_bytes gives the input back, also after dump() and parse() (the path a
//   byte string takes through a trace file); `bin` is set exactly when a byte >= 0x80 occurs;
// * json_bytes() never crashes on any JSON string, bytes_json's or not;
// * reading the input as trace lines (one JSON value per line, unparsable lines skipped) and giving
//   the events to oracle::comparable() and oracle::normalise_ids() never crashes and never throws,
//   whatever the JSON is (PHP's harness is another program: its output is untrusted input).
//
// An exception from the oracle is reported with the event and aborts.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_check.hpp"
#include "oracle/php_oracle.hpp"
#include "scenarios/trace.hpp"

namespace {

using nlohmann::json;

/// Lines beyond this many are not read (inputs are small; this only bounds a run).
constexpr std::size_t trace_lines_max = 256;

void check_bytes_round_trip(const std::string& bytes) {
  bool bin = false;
  const json j = ss::scenarios::bytes_json(bytes, bin);
  bool high = false;
  for (unsigned char c : bytes) high = high || c >= 0x80;
  FUZZ_CHECK(bin == high, "bin flag wrong");
  FUZZ_CHECK(ss::scenarios::json_bytes(j, bin) == bytes, "json_bytes(bytes_json(x)) != x");
  // ensure_ascii, as JsonTraceWriter writes it; then read back as a reader would.
  const std::string line = j.dump(-1, ' ', true);
  const json back = json::parse(line, nullptr, false);
  FUZZ_CHECK(!back.is_discarded() && back.is_string(), "unparsable dump: " + line.substr(0, 200));
  FUZZ_CHECK(ss::scenarios::json_bytes(back, bin) == bytes, "bytes lost through dump/parse");
}

/// Every string inside `j` goes through json_bytes (both modes) without crashing.
void visit_strings(const json& j, int depth) {
  if (depth > 64) return;
  if (j.is_string()) {
    (void)ss::scenarios::json_bytes(j, true);
    (void)ss::scenarios::json_bytes(j, false);
    return;
  }
  if (j.is_structured()) {
    for (const auto& item : j) visit_strings(item, depth + 1);
  }
}

std::vector<json> read_lines(std::string_view text) {
  std::vector<json> out;
  std::size_t pos = 0;
  while (pos < text.size() && out.size() < trace_lines_max) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    const std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, false);
    if (!j.is_discarded()) out.push_back(std::move(j));
  }
  return out;
}

[[noreturn]] void oracle_threw(const char* what, const std::exception& e, const json& input) {
  ss::fuzz::violated(what, __FILE__, __LINE__,
                     std::string("exception: ") + e.what() + "\ninput: " +
                         input.dump(-1, ' ', true, json::error_handler_t::replace).substr(0, 500));
}

void check_oracle(std::vector<json> events) {
  for (const json& e : events) {
    visit_strings(e, 0);
    try {
      const json c = ss::oracle::comparable(e);
      FUZZ_CHECK(c.is_object() || c.is_null(), "comparable() made a non-object");
    } catch (const json::exception& ex) {
      oracle_threw("oracle::comparable() must not throw", ex, e);
    }
  }
  const json all = events;
  try {
    ss::oracle::normalise_ids(events);
  } catch (const json::exception& ex) {
    oracle_threw("oracle::normalise_ids() must not throw", ex, all);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  check_bytes_round_trip(input);
  check_oracle(read_lines(input));
  return 0;
}
