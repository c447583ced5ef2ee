#include "cli/commands.hpp"

#include <stdlib.h>

#include <cctype>
#include <fstream>
#include <iostream>
#include <memory>

#include <fmt/core.h>

#include "handlers/handler_uri.hpp"
#include "handlers/registry.hpp"
#include "properties/target.hpp"
#include "scenarios/checks.hpp"
#include "scenarios/runner.hpp"
#include "scenarios/trace.hpp"

namespace ss::cli {

namespace {

/// Everything a verb needs, validated before anything runs or is written.
struct Prepared {
  std::vector<scenarios::Scenario> scenarios;
  scenarios::RunConfig config;
  handlers::HandlerUri uri;
  std::string uri_text;
  std::unique_ptr<std::ofstream> trace;
};

std::optional<int> prepare(const CommonOptions& o, Prepared& p) {
  auto engine = model::parse_engine(o.engine);
  if (!engine) return input_error("--engine: unknown engine '" + o.engine + "' (want php-8.2, php-legacy or zealphp)");
  p.config.engine = *engine;
  p.config.seed = o.seed;
  if (!o.variant.empty()) {
    p.config.variant = model::parse_variant(o.variant);
    if (!p.config.variant) return input_error("--variant: unknown variant '" + o.variant + "' (want full, basic or sessionhandler)");
  }
  for (const auto& kv : o.ini) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) return input_error("--ini: expected KEY=VALUE, got '" + kv + "'");
    model::RunOptions probe;
    if (auto e = probe.set(kv.substr(0, eq), kv.substr(eq + 1))) return input_error("--ini " + kv + ": " + *e);
    p.config.ini.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  std::string err;
  // A mutant URI wraps a base handler: validate the base.
  const bool mutant = o.handler.rfind("mutant:", 0) == 0 && o.handler.find('+') != std::string::npos;
  const std::string base = mutant ? o.handler.substr(o.handler.find('+') + 1) : o.handler;
  auto uri = handlers::parse_handler_uri(base, err);
  if (!uri) return input_error("--handler: " + err);
  p.uri = *uri;
  p.uri_text = o.handler;
  for (const auto& file : o.scenarios) {
    auto parsed = scenarios::load_scenario(file);
    if (auto* e = std::get_if<scenarios::ParseError>(&parsed)) return input_error(e->str());
    p.scenarios.push_back(std::move(std::get<scenarios::Scenario>(parsed)));
  }
  return std::nullopt;
}

/// A fresh backend for one scenario. A files handler gets its own new subdirectory of DIR, so
/// that scenarios never see each other's sessions and nothing is written outside DIR.
std::unique_ptr<handlers::Backend> backend_for(const Prepared& p, const scenarios::Scenario& sc,
                                               handlers::Clock& clock, std::string& error) {
  std::string uri = p.uri_text;
  if (p.uri.scheme == "files") {
    // The base directory must already exist and be writable; it is never created here.
    auto probe = handlers::make_backend(p.uri_text, p.config.seed, clock);
    if (!probe) {
      error = "--handler " + p.uri_text + ": " + probe.error().reason;
      return nullptr;
    }
    std::string name;
    for (char c : sc.name.substr(0, 40)) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    std::string tmpl = p.uri.target + "/scn-" + name + "-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      error = "--handler " + p.uri_text + ": cannot create a directory in " + p.uri.target;
      return nullptr;
    }
    // Keep a mutant prefix (mutant:NAME+) in front of the per-scenario files URI.
    const std::size_t plus = p.uri_text.rfind("mutant:", 0) == 0 ? p.uri_text.find('+') : 0;
    uri = (plus ? p.uri_text.substr(0, plus + 1) : std::string()) + "files:" + tmpl;
  }
  if (p.uri.scheme == "files" || p.uri.scheme == "memory" || p.uri.scheme == "exec") {
    auto made = handlers::make_backend(uri, p.config.seed, clock);
    if (!made) {
      error = "--handler " + p.uri_text + ": " + made.error().reason;
      return nullptr;
    }
    return std::move(made.value());
  }
  // Persistent stores (table, SQLite, Redis) get a fresh isolated store per scenario (a new table
  // name, database file or key prefix), so scenarios never see each other's sessions.
  auto made = properties::HandlerTarget(uri).make(p.config.seed, clock);
  if (!made) {
    error = "--handler " + p.uri_text + ": " + made.error().reason;
    return nullptr;
  }
  return properties::as_backend(std::move(made.value()));
}

bool open_trace(const CommonOptions& o, Prepared& p) {
  if (o.trace_file.empty()) return true;
  p.trace = std::make_unique<std::ofstream>(o.trace_file, std::ios::binary | std::ios::trunc);
  return p.trace->good();
}

std::string replay_line(const std::string& verb, const CommonOptions& o, const std::string& file) {
  std::string line = "sessionspec " + verb + " " + file + " --engine " + o.engine + " --handler '" +
                     o.handler + "' --seed " + std::to_string(o.seed);
  for (const auto& kv : o.ini) line += " --ini " + kv;
  if (!o.variant.empty()) line += " --variant " + o.variant;
  return line;
}

}  // namespace

int input_error(const std::string& message) {
  std::cerr << "sessionspec: " << message << "\n";
  return exit_input;
}

int run_command(const RunOptions& o) {
  Prepared p;
  if (auto code = prepare(o, p)) return *code;
  if (!open_trace(o, p)) return input_error("--trace: cannot write '" + o.trace_file + "'");
  scenarios::TextTraceWriter text(std::cout);
  scenarios::JsonTraceWriter json(std::cout);
  std::vector<scenarios::Listener*> listeners{o.format == "json"
                                                  ? static_cast<scenarios::Listener*>(&json)
                                                  : &text};
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
    if (!scenarios::run_scenario(sc, p.config, *backend, clock, listeners, error)) {
      return input_error(error);
    }
    if (o.format == "text") std::cout << "\n";
  }
  return exit_ok;
}

namespace {

/// The hardening property of a handler's id policy: PHP hands a user handler any id but one that
/// could split headers, so keeping "x.y;z" conforms; refusing ids outside [A-Za-z0-9,-], as PHP's
/// files module does, is the stricter, optional choice. Reported, never a failure.
void print_id_hardening(const model::OddIdObservation& odd) {
  if (!odd.seen) return;
  const std::string example = odd.example.empty() ? "the empty id" : "'" + odd.example + "'";
  if (odd.accepted) {
    fmt::print(
        "hardening: ids outside [A-Za-z0-9,-] are kept (e.g. {}): PHP-legal; refusing "
        "them, as PHP's files module does, would be stricter\n",
        example);
  } else {
    fmt::print(
        "hardening: ids outside [A-Za-z0-9,-] are refused (e.g. {}), as PHP's files "
        "module does\n",
        example);
  }
}

}  // namespace

int check_command(const CommonOptions& o) {
  Prepared p;
  if (auto code = prepare(o, p)) return *code;
  if (!open_trace(o, p)) return input_error("--trace: cannot write '" + o.trace_file + "'");
  fmt::print("seed={} engine={} handler={}\n", o.seed, o.engine, o.handler);
  int failed = 0;
  model::OddIdObservation odd_ids;
  for (const auto& sc : p.scenarios) {
    handlers::ManualClock clock(sc.clock_start_s);
    std::string error;
    auto backend = backend_for(p, sc, clock, error);
    if (!backend) return input_error(error);
    scenarios::ConformanceChecker conformance(backend->guarantees().store);
    scenarios::ExpectationChecker expectations;
    std::vector<scenarios::Listener*> listeners{&conformance, &expectations};
    std::unique_ptr<scenarios::JsonTraceWriter> writer;
    if (p.trace) {
      writer = std::make_unique<scenarios::JsonTraceWriter>(*p.trace);
      listeners.push_back(writer.get());
    }
    if (!scenarios::run_scenario(sc, p.config, *backend, clock, listeners, error)) {
      return input_error(error);
    }
    if (!odd_ids.seen) odd_ids = conformance.odd_ids();
    std::vector<scenarios::Failure> found = expectations.failures();
    if (conformance.failure()) found.insert(found.begin(), *conformance.failure());
    if (found.empty()) {
      fmt::print("ok    {}\n", sc.name);
      continue;
    }
    ++failed;
    fmt::print("FAIL  {}\n  {}\n  replay: {}\n", sc.name, found.front().str(),
               replay_line("check", o, sc.file));
  }
  fmt::print("{} passed, {} failed\n", p.scenarios.size() - failed, failed);
  print_id_hardening(odd_ids);
  return failed ? exit_conformance : exit_ok;
}

}  // namespace ss::cli
