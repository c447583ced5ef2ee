#include "cli/commands.hpp"

#include <fmt/core.h>

#include <cctype>
#include <charconv>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "base/printable.hpp"
#include "certify/health.hpp"
#include "cli/output.hpp"
#include "handlers/registry.hpp"
#include "handlers/testing/engine_mutants.hpp"
#include "scenarios/judge.hpp"
#include "scenarios/replay.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/trace.hpp"

namespace ss::cli {

namespace {

/// Everything a verb needs, validated before anything runs or is written.
struct Prepared {
  std::vector<scenarios::Scenario> scenarios;
  scenarios::RunConfig config;
  handlers::HandlerSpec handler;
  std::unique_ptr<std::ofstream> trace;
};

std::optional<int> prepare(const CommonOptions& o, Prepared& p) {
  if (auto mutant = handlers::parse_engine_mutant(o.engine)) {
    // An engine mutant (handlers/testing): the judge's own self-test, see engine_mutants.hpp.
    if (!*mutant) return input_error("--engine: " + mutant->error().message);
    p.config.engine = (*mutant)->base;
    p.config.engine_factory = (*mutant)->factory;
  } else {
    auto engine = model::parse_engine(o.engine);
    if (!engine)
      return input_error("--engine: unknown engine '" + o.engine +
                         "' (want php-8.2, php-legacy, zealphp or mutant:NAME+ENGINE)");
    p.config.engine = *engine;
  }
  p.config.seed = o.seed;
  if (!o.variant.empty()) {
    p.config.variant = model::parse_variant(o.variant);
    if (!p.config.variant)
      return input_error("--variant: unknown variant '" + o.variant +
                         "' (want full, basic or sessionhandler)");
  }
  for (const auto& kv : o.ini) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0)
      return input_error("--ini: expected KEY=VALUE, got '" + kv + "'");
    model::RunOptions probe;
    if (auto e = probe.set(kv.substr(0, eq), kv.substr(eq + 1)))
      return input_error("--ini " + kv + ": " + *e);
    p.config.ini.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  auto spec = handlers::parse_handler_spec(o.handler);
  if (!spec) return input_error("--handler: " + spec.error().reason);
  p.handler = std::move(spec.value());
  for (const auto& file : o.scenarios) {
    auto parsed = scenarios::load_scenario(file);
    if (auto* e = std::get_if<scenarios::ParseError>(&parsed)) return input_error(e->str());
    p.scenarios.push_back(std::move(std::get<scenarios::Scenario>(parsed)));
  }
  return std::nullopt;
}

/// A fresh isolated backend for one scenario (handlers/registry.hpp), so that scenarios never see
/// each other's sessions: a files handler gets a new subdirectory `scn-NAME-XXXXXX` of DIR (DIR
/// must exist; nothing is written outside it), persistent stores a fresh table, database file or
/// key prefix. The store goes with the backend unless the verb keeps it.
std::unique_ptr<handlers::IsolatedBackend> backend_for(const Prepared& p,
                                                       const scenarios::Scenario& sc,
                                                       handlers::Clock& clock, std::string& error) {
  handlers::IsolationOptions options;
  options.label = "scn-";
  for (char c : sc.name.substr(0, 40)) {
    options.label += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  }
  auto made = handlers::make_isolated(p.handler, p.config.seed, clock, options);
  if (!made) {
    error = "--handler " + p.handler.text + ": " + made.error().reason;
    return nullptr;
  }
  return std::move(made.value());
}

bool open_trace(const CommonOptions& o, Prepared& p) {
  if (o.trace_file.empty()) return true;
  p.trace = std::make_unique<std::ofstream>(o.trace_file, std::ios::binary | std::ios::trunc);
  return p.trace->good();
}

/// Flushes the trace file; false when some of it could not be written (a full disk, /dev/full).
bool trace_written(const CommonOptions& o, Prepared& p) {
  if (o.trace_file.empty()) return true;
  p.trace->flush();
  return p.trace->good();
}

/// `text` line by line, each indented and made printable: a failure spans several lines
/// (what differed, expected, actual), and escaping its newlines would run them into one.
std::string indented_lines(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    out += "  " + base::printable(text.substr(0, nl)) + "\n";
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
  }
  return out;
}

std::string replay_line(const std::string& verb, const CommonOptions& o, const std::string& file) {
  return scenarios::ReplayLine{verb, file, o.engine, o.handler, o.seed, o.ini, o.variant, {}, {}}
      .str();
}

}  // namespace

int input_error(const std::string& message) {
  std::cerr << "sessionspec: " << base::printable(message) << "\n";
  return exit_input;
}

CLI::Validator integer_in(std::uint64_t min, std::uint64_t max) {
  const std::string range = std::to_string(min) + ".." + std::to_string(max);
  return CLI::Validator(
      [min, max, range](std::string& input) -> std::string {
        std::uint64_t value = 0;
        const char* end = input.data() + input.size();
        const bool digits = !input.empty() && input.size() <= 20 &&
                            input.find_first_not_of("0123456789") == std::string::npos;
        const auto parsed = std::from_chars(input.data(), end, value);
        if (digits && parsed.ec == std::errc() && parsed.ptr == end && value >= min &&
            value <= max) {
          return "";
        }
        return "value '" + input.substr(0, 40) + "' is not an integer in " + range;
      },
      "INT in " + range);
}

int run_command(const RunOptions& o) {
  Prepared p;
  if (auto code = prepare(o, p)) return *code;
  if (!open_trace(o, p)) return input_error("--trace: cannot write '" + o.trace_file + "'");
  scenarios::TextTraceWriter text(std::cout);
  scenarios::JsonTraceWriter json(std::cout);
  std::vector<scenarios::Listener*> listeners{
      o.format == "json" ? static_cast<scenarios::Listener*>(&json) : &text};
  std::unique_ptr<scenarios::JsonTraceWriter> file_writer;
  if (p.trace) {
    file_writer = std::make_unique<scenarios::JsonTraceWriter>(*p.trace);
    listeners.push_back(file_writer.get());
  }
  for (const auto& sc : p.scenarios) {
    handlers::ManualClock clock(sc.clock_start_s);
    std::string error;
    auto backend = backend_for(p, sc, clock, error);
    if (!backend) return input_error(error);
    if (auto ran = scenarios::run_scenario(sc, p.config, *backend, clock, listeners); !ran) {
      return input_error(ran.error().message);
    }
    // `run` keeps the scenario directories under a files save path, for a human to look at.
    if (p.handler.scheme() == "files") (void)backend->keep();
    if (o.format == "text") std::cout << "\n";
  }
  if (!trace_written(o, p)) return input_error("--trace: cannot write '" + o.trace_file + "'");
  return exit_ok;
}

namespace {

/// The hardening property of a handler's id policy: PHP hands a user handler any id but one that
/// could split headers, so keeping "x.y;z" conforms; refusing ids outside [A-Za-z0-9,-], as PHP's
/// files module does, is the stricter, optional choice. Reported, never a failure; "" when no
/// odd id was seen.
std::string id_hardening(const model::OddIdObservation& odd) {
  if (!odd.seen) return "";
  // The id came from the scenario or the handler: escaped before it reaches the terminal (D17).
  const std::string example =
      odd.example.empty() ? "the empty id" : "'" + base::printable(odd.example) + "'";
  if (odd.accepted) {
    return fmt::format(
        "ids outside [A-Za-z0-9,-] are kept (e.g. {}): PHP-legal; refusing "
        "them, as PHP's files module does, would be stricter",
        example);
  }
  return fmt::format(
      "ids outside [A-Za-z0-9,-] are refused (e.g. {}), as PHP's files "
      "module does",
      example);
}

/// One scenario's result, as `check --format json` lists it.
nlohmann::json scenario_json(const scenarios::Scenario& sc,
                             const std::optional<scenarios::Failure>& failure,
                             const std::string& replay, const std::string& kept) {
  auto or_null = [](const std::string& s) {
    return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(base::printable(s));
  };
  return {{"name", base::printable(sc.name)},
          {"file", base::printable(sc.file)},
          {"verdict", failure ? "fail" : "ok"},
          {"failure", failure ? or_null(failure->str()) : nlohmann::json(nullptr)},
          {"replay", or_null(replay)},
          {"store_kept", or_null(kept)}};
}

}  // namespace

int check_command(const CheckOptions& o) {
  Prepared p;
  if (auto code = prepare(o, p)) return *code;
  // A handler that cannot be used at all (a broken exec: command, a server that is not there)
  // is an input error before anything runs, not a failure of every scenario.
  if (auto d = certify::probe_backend(handlers::isolated_factory(p.handler), true)) {
    return input_error("--handler " + o.handler + ": unusable: " + d->cause);
  }
  if (!open_trace(o, p)) return input_error("--trace: cannot write '" + o.trace_file + "'");
  // With --format json stdout carries one JSON object; the human lines go to stderr.
  const bool json = o.format == "json";
  std::FILE* out = json ? stderr : stdout;
  const bool colour = colour_on(out);
  fmt::print(out, "seed={} engine={} handler={}\n", o.seed, o.engine, o.handler);
  std::size_t failed = 0;
  std::size_t ran = 0;
  model::OddIdObservation odd_ids;
  nlohmann::json results = nlohmann::json::array();
  for (const auto& sc : p.scenarios) {
    // --fail-fast: nothing runs after the first failure.
    if (o.fail_fast && failed > 0) break;
    ++ran;
    handlers::ManualClock clock(sc.clock_start_s);
    std::string error;
    auto backend = backend_for(p, sc, clock, error);
    if (!backend) return input_error(error);
    scenarios::Judge judge;
    std::vector<scenarios::Listener*> listeners{&judge};
    std::unique_ptr<scenarios::JsonTraceWriter> writer;
    if (p.trace) {
      writer = std::make_unique<scenarios::JsonTraceWriter>(*p.trace);
      listeners.push_back(writer.get());
    }
    if (auto r = scenarios::run_scenario(sc, p.config, *backend, clock, listeners); !r) {
      return input_error(r.error().message);
    }
    if (!odd_ids.seen) odd_ids = judge.store().odd_ids();
    const std::optional<scenarios::Failure> found = judge.first_failure();
    if (!found) {
      fmt::print(out, "{}  {}\n", paint("ok  ", Tone::pass, colour), base::printable(sc.name));
      results.push_back(scenario_json(sc, found, "", ""));
      continue;  // the scenario's store goes with its backend
    }
    ++failed;
    const std::string replay = replay_line("check", o, sc.file);
    fmt::print(out, "{}  {}\n{}  replay: {}\n", paint("FAIL", Tone::fail, colour),
               base::printable(sc.name), indented_lines(found->str()), replay);
    // A failing scenario's directory stays, and says where it is.
    const std::string kept = backend->keep();
    if (!kept.empty()) fmt::print(out, "  store kept: {}\n", base::printable(kept));
    results.push_back(scenario_json(sc, found, replay, kept));
  }
  // A trace that could not be written is an error, whatever the verdicts (D11).
  if (!trace_written(o, p)) return input_error("--trace: cannot write '" + o.trace_file + "'");
  const std::size_t not_run = p.scenarios.size() - ran;
  fmt::print(out, "{} passed, {} failed\n", ran - failed, failed);
  if (not_run > 0) {
    fmt::print(out, "cut short by --fail-fast: {} scenario{} not run\n", not_run,
               not_run == 1 ? "" : "s");
  }
  const std::string hardening = id_hardening(odd_ids);
  if (!hardening.empty()) fmt::print(out, "hardening: {}\n", hardening);
  if (json) {
    const nlohmann::json doc = {
        {"version", 1},
        {"verb", "check"},
        {"seed", o.seed},
        {"engine", o.engine},
        {"handler", base::printable(o.handler)},
        {"scenarios", results},
        {"passed", ran - failed},
        {"failed", failed},
        {"not_run", not_run},
        {"hardening", hardening.empty() ? nlohmann::json(nullptr) : nlohmann::json(hardening)}};
    fmt::print("{}\n", doc.dump(2));
  }
  return failed ? exit_conformance : exit_ok;
}

}  // namespace ss::cli
