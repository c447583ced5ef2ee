#include "oracle/php_runner.hpp"

#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/data_dir.hpp"

namespace ss::oracle {

using nlohmann::json;

namespace {

/// A PHP trace longer than this is cut off (a runaway harness must not exhaust memory).
constexpr std::size_t php_output_lines_max = 100'000;

}  // namespace

/// The command line of a PHP process: `[env NAME=VALUE...] php -n [php_args...] SCRIPT`.
std::vector<std::string> php_command(const OracleSetup& setup, const std::string& script) {
  std::vector<std::string> argv;
  if (!setup.env.empty()) {
    argv.push_back("/usr/bin/env");
    argv.insert(argv.end(), setup.env.begin(), setup.env.end());
  }
  argv.push_back(setup.php);
  argv.push_back("-n");
  argv.insert(argv.end(), setup.php_args.begin(), setup.php_args.end());
  argv.push_back(script);
  return argv;
}

PhpWorker::PhpWorker(const OracleSetup& setup)
    : argv_(php_command(setup, setup.harness_dir + "/worker.php")), timeout_s_(setup.timeout_s) {}

PhpWorker::~PhpWorker() = default;

PhpWorker::Reply PhpWorker::run(const json& program, std::vector<json>& events,
                                std::string& message) {
  // A request that needs a PHP process of its own (worker.php's fresh_process) is sent once more,
  // to a new worker; a second such answer is a failure.
  Reply reply = run_once(program, events, message);
  if (reply == Reply::fresh_process) reply = run_once(program, events, message);
  if (reply == Reply::fresh_process) {
    message = "a new PHP worker still asked for a new process: " + message;
    reply = Reply::failed;
  }
  return reply;
}

PhpWorker::Reply PhpWorker::run_once(const json& program, std::vector<json>& events,
                                     std::string& message) {
  events.clear();
  if (!child_.running()) {
    if (!child_.start(argv_, {}, message)) return Reply::failed;
    ++starts_;
  }
  const std::int64_t deadline = base::steady_ms() + std::int64_t{timeout_s_} * 1000;
  if (!child_.write(program.dump(-1, ' ', true) + "\n", deadline)) {
    child_.kill();
    message = "the PHP worker does not take requests (it died?)";
    return Reply::failed;
  }
  std::string line;
  auto got = base::ChildProcess::Read::line;
  while ((got = child_.read_line(line, deadline)) == base::ChildProcess::Read::line) {
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      message = "the PHP worker wrote an unparsable line: " + line.substr(0, 200);
      break;
    }
    if (!j.contains("worker")) {
      events.push_back(std::move(j));
      continue;
    }
    const std::string status = j.value("worker", "");
    message = j.value("message", "");
    if (status == "done" && j.value("restart", false)) child_.kill();  // it exits by itself
    if (status == "done") return Reply::done;
    if (status == "bad_program") return Reply::bad_program;
    child_.kill();  // it exits after a fallback or fresh_process anyway
    if (status == "fresh_process" && events.empty()) return Reply::fresh_process;
    return Reply::fallback;
  }
  child_.kill();
  if (got == base::ChildProcess::Read::timeout) {
    message = "PHP did not finish the request within " + std::to_string(timeout_s_) +
              " s (it hung, e.g. waiting for a lock)";
    return Reply::timeout;
  }
  if (message.empty()) message = "the PHP worker died";
  return Reply::failed;
}

std::string find_harness_dir(const std::string& given) {
  if (!given.empty()) return given;
  const base::DataPath harness = base::data_path("oracle/harness.php");
  return harness ? std::filesystem::path(harness.path).parent_path().string() : std::string();
}

bool php_runs(const OracleSetup& setup) {
  auto argv = php_command(setup, "-r");
  argv.push_back("exit(0);");
  return base::run_process(argv, setup.timeout_s * 1000).ok();
}

std::vector<json> parse_trace_lines(const std::string& text, std::string& error) {
  std::vector<json> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      error = "unparsable trace line: " + line.substr(0, 200);
      return {};
    }
    out.push_back(std::move(j));
  }
  return out;
}

std::optional<std::vector<json>> run_php_process(const OracleSetup& setup, const json& program,
                                                 int number, bool& hung, std::string& error) {
  const std::string prog_file = setup.work_dir + "/request-" + std::to_string(number) + ".json";
  {
    std::ofstream out(prog_file, std::ios::binary | std::ios::trunc);
    out << program.dump(-1, ' ', true);
    if (!out) {
      error = "cannot write " + prog_file;
      return std::nullopt;
    }
  }
  // No shell: the paths reach PHP as arguments, whatever characters they hold.
  auto argv = php_command(setup, setup.harness_dir + "/harness.php");
  argv.push_back(prog_file);
  base::ChildProcess php;
  base::SpawnOptions options;
  options.stderr_mode = base::SpawnOptions::Stderr::capture;
  if (!php.start(argv, options, error)) return std::nullopt;
  php.close_stdin();
  const std::int64_t deadline = base::steady_ms() + std::int64_t{setup.timeout_s} * 1000;
  std::string text, line;
  std::size_t lines = 0;
  // A user class's proxy says which handler method runs (oracle/src/UserProxy.php).
  std::string inside;
  auto got = base::ChildProcess::Read::line;
  while (lines < php_output_lines_max &&
         (got = php.read_line(line, deadline)) == base::ChildProcess::Read::line) {
    ++lines;
    if (line.rfind("{\"calling\":", 0) == 0 || line.rfind("{\"returned\":", 0) == 0) {
      const json marker = json::parse(line, nullptr, false);
      inside = marker.contains("calling") ? marker.value("calling", "?") : "";
      continue;
    }
    text += line + "\n";
  }
  const base::ChildProcess::Exit exit = php.finish(deadline);
  if (got == base::ChildProcess::Read::timeout || exit.killed) {
    error = "PHP request " + std::to_string(number) + " did not finish within " +
            std::to_string(setup.timeout_s) + " s (" +
            (inside.empty() ? "it hung, e.g. waiting for a lock"
                            : "it hangs in its handler's " + inside + "()") +
            ")";
    hung = true;
    return std::nullopt;
  }
  auto events = parse_trace_lines(text, error);
  // A fatal error at the end of the request (e.g. the shutdown write threw) exits 255 after the
  // harness wrote the response event from its destructor: the trace is complete.
  constexpr int fatal_exit = 255;
  const bool fatal_end =
      WIFEXITED(exit.status) && WEXITSTATUS(exit.status) == fatal_exit && error.empty() &&
      std::any_of(events.begin(), events.end(),
                  [](const json& e) { return e.is_object() && e.value("kind", "") == "response"; });
  if ((exit.status != 0 && !fatal_end) || lines >= php_output_lines_max) {
    error = "PHP request " + std::to_string(number) + " failed (" +
            base::describe_wait_status(exit.status) + "): " + php.captured_stderr().substr(0, 500);
    return std::nullopt;
  }
  if (!error.empty()) return std::nullopt;
  return events;
}

bool reset_module_store(PhpWorker& worker, const ModuleSetup& store, const json& ini,
                        const std::vector<scenarios::StoredSeed>& seeds, std::int64_t now_s,
                        std::string& error) {
  const json program = reset_store_program(store, ini, seeds, now_s);
  std::vector<json> events;
  if (worker.run(program, events, error) != PhpWorker::Reply::done) {
    error = "cannot reset the " + store.module + " module's store: " + error;
    return false;
  }
  return true;
}

}  // namespace ss::oracle
