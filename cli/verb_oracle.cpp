// `sessionspec oracle`: runs scenarios in the model and in real PHP 8.2 (oracle/), side by side.

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/core.h>

#include "cli/commands.hpp"
#include "cli/verbs.hpp"
#include "oracle/php_oracle.hpp"

namespace ss::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct OracleOptions {
  std::vector<std::string> scenarios;
  std::string engine = "php-8.2";
  std::vector<std::string> ini;
  std::string variant;
  std::uint64_t seed = 1;
  std::string php = "php";
  std::string oracle_dir;
  bool no_worker = false;
  int timeout_s = 20;
};

/// Width of one column of the side-by-side view.
constexpr std::size_t column_width = 58;

int input_error(const std::string& message) {
  std::cerr << "sessionspec: oracle: " << message << "\n";
  return exit_input;
}

/// The directory holding harness.php: --oracle-dir, $SESSIONSPEC_SOURCE_DIR/oracle, ./oracle, or
/// the source tree two levels above the binary (build/cli/sessionspec).
std::string find_oracle_dir(const std::string& given) {
  if (!given.empty()) return given;
  std::vector<fs::path> candidates;
  if (const char* src = std::getenv("SESSIONSPEC_SOURCE_DIR")) candidates.emplace_back(src);
  candidates.emplace_back(fs::current_path());
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) candidates.push_back(exe.parent_path().parent_path().parent_path());
  for (const auto& base : candidates) {
    if (fs::exists(base / "oracle" / "harness.php", ec)) return (base / "oracle").string();
  }
  return {};
}

/// One event in a column: the call, its arguments and what it returned.
std::string brief(const json& e) {
  const std::string kind = e.value("kind", "");
  std::string args;
  for (const auto& a : e.value("args", json::array())) {
    args += (args.empty() ? "" : ", ") + a.dump(-1, ' ', true);
  }
  if (kind == "request") return "request " + args;
  if (kind == "response") {
    return "end: " + e.value("status", "?") + " " + e.value("session", json()).dump();
  }
  std::string out = (kind == "handler" ? "    " : "") + e.value("name", "?") + "(" + args +
                    ") = " + e.value("result", json()).dump(-1, ' ', true);
  const auto diags = e.value("diagnostics", json::array());
  if (!diags.empty()) out += " !" + std::to_string(diags.size());
  return out;
}

std::string fit(std::string s) {
  if (s.size() > column_width) s = s.substr(0, column_width - 1) + "~";
  return s + std::string(column_width - s.size(), ' ');
}

/// Prints the two traces as aligned columns; rows whose comparable fields differ get '*'.
void print_side_by_side(const oracle::OracleResult& r) {
  fmt::print("  {}   {}\n", fit("model"), "php 8.2");
  const std::size_t rows = std::max(r.model.size(), r.php.size());
  for (std::size_t i = 0; i < rows; ++i) {
    const json* m = i < r.model.size() ? &r.model[i] : nullptr;
    const json* p = i < r.php.size() ? &r.php[i] : nullptr;
    const bool same = m && p && oracle::comparable(*m) == oracle::comparable(*p);
    fmt::print("{} {} | {}\n", same ? ' ' : '*', fit(m ? brief(*m) : ""), p ? brief(*p) : "");
  }
}

std::string replay_line(const OracleOptions& o, const std::string& file) {
  std::string line = "sessionspec oracle " + file + " --engine " + o.engine + " --seed " +
                     std::to_string(o.seed);
  for (const auto& kv : o.ini) line += " --ini " + kv;
  if (!o.variant.empty()) line += " --variant " + o.variant;
  return line;
}

/// Validates the options into a run config; returns an exit code on error.
std::optional<int> prepare(const OracleOptions& o, scenarios::RunConfig& cfg,
                           std::vector<scenarios::Scenario>& scs) {
  auto engine = model::parse_engine(o.engine);
  if (!engine) return input_error("--engine: unknown engine '" + o.engine + "'");
  cfg.engine = *engine;
  cfg.seed = o.seed;
  if (!o.variant.empty()) {
    cfg.variant = model::parse_variant(o.variant);
    if (!cfg.variant) return input_error("--variant: unknown variant '" + o.variant + "'");
  }
  for (const auto& kv : o.ini) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) return input_error("--ini: expected KEY=VALUE");
    model::RunOptions probe;
    if (auto e = probe.set(kv.substr(0, eq), kv.substr(eq + 1))) {
      return input_error("--ini " + kv + ": " + *e);
    }
    cfg.ini.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  for (const auto& file : o.scenarios) {
    auto parsed = scenarios::load_scenario(file);
    if (auto* e = std::get_if<scenarios::ParseError>(&parsed)) return input_error(e->str());
    scs.push_back(std::move(std::get<scenarios::Scenario>(parsed)));
  }
  return std::nullopt;
}

bool php_runs(const std::string& php) {
  const std::string cmd = "'" + php + "' -n -r 'exit(0);' >/dev/null 2>&1";
  return php.find('\'') == std::string::npos && std::system(cmd.c_str()) == 0;
}

int oracle_command(const OracleOptions& o) {
  scenarios::RunConfig cfg;
  std::vector<scenarios::Scenario> scs;
  if (auto code = prepare(o, cfg, scs)) return *code;
  oracle::OracleSetup setup;
  setup.php = o.php;
  setup.timeout_s = o.timeout_s;
  setup.harness_dir = find_oracle_dir(o.oracle_dir);
  if (setup.harness_dir.empty()) {
    return input_error("cannot find oracle/harness.php (pass --oracle-dir DIR)");
  }
  if (!php_runs(o.php)) {
    return input_error("cannot run '" + o.php + "' (install php8.2-cli, or pass --php PATH)");
  }
  setup.work_dir = (fs::temp_directory_path() / ("sessionspec-oracle-cli-" +
                                                 std::to_string(::getpid()))).string();
  auto worker = o.no_worker ? nullptr : std::make_unique<oracle::PhpWorker>(setup);
  setup.worker = worker.get();
  int code = exit_ok;
  for (std::size_t i = 0; i < scs.size() && code == exit_ok; ++i) {
    const auto& sc = scs[i];
    if (scs.size() > 1) std::cerr << fmt::format("[{}/{}] {}\n", i + 1, scs.size(), sc.file);
    std::string error;
    auto result = oracle::compare_with_php(sc, cfg, setup, error);
    if (!result) {
      code = input_error(sc.file + ": " + error);
      break;
    }
    fmt::print("== {} ({})\n", sc.name, sc.file);
    print_side_by_side(*result);
    if (result->difference) {
      fmt::print("DIFFERENCE  {}\n  {}\n  replay: {}\n", sc.name, *result->difference,
                 replay_line(o, sc.file));
      code = exit_conformance;
    }
    std::cout << "\n";
  }
  worker.reset();
  std::error_code ec;
  fs::remove_all(setup.work_dir, ec);
  if (code == exit_ok) fmt::print("{} scenario(s): model and PHP agree\n", scs.size());
  return code;
}

}  // namespace

Verb register_oracle(CLI::App& app) {
  auto o = std::make_shared<OracleOptions>();
  CLI::App* cmd = app.add_subcommand(
      "oracle", "Run scenarios in the model and in real PHP 8.2, side by side; exit 1 on the "
                "first difference");
  cmd->add_option("scenario", o->scenarios, "Scenario files (.scn)")->required();
  cmd->add_option("--engine", o->engine, "Model engine profile (php-8.2 is the one PHP 8.2 is)")
      ->default_val("php-8.2");
  cmd->add_option("--ini", o->ini, "Run option KEY=VALUE (repeatable), e.g. lazy_write=0");
  cmd->add_option("--variant", o->variant, "Handler variant: full, basic, sessionhandler");
  cmd->add_option("--seed", o->seed, "Seed for the model's ids and gc draws")->default_val(1);
  cmd->add_option("--php", o->php, "The PHP 8.2 CLI binary")->default_val("php");
  cmd->add_option("--oracle-dir", o->oracle_dir, "Directory of harness.php (default: found)");
  cmd->add_flag("--no-worker", o->no_worker,
                "One PHP process per request instead of the persistent worker");
  cmd->add_option("--timeout", o->timeout_s, "Seconds one PHP request may take")->default_val(20);
  return {cmd, [o] { return oracle_command(*o); }};
}

}  // namespace ss::cli
