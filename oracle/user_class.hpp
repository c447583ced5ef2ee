#pragma once
// A user's PHP save-handler class, run by PHP's own session module (docs/certify.md, "Your PHP
// handler class"):
//
//   php:class:BOOTSTRAP[?concurrency=C&expiry=E&ttl_s=N&id_bytes_max=N&payload_bytes_max=N
//                       &ext=a,b&clock=faketime|real]
//
// BOOTSTRAP is a PHP file that returns the handler object, or a callable that takes a context (a
// store location of its own per scenario, case and schedule; the virtual clock) and returns it
// (oracle/src/UserClass.php). Each request is a php8.2-cli process of its own, the handler
// wrapped in a tracing proxy with exactly its own optional methods; races are real concurrent
// processes (race_runner.hpp), so locks really contend.
//
// What the class promises is declared by the class (`public static function
// sessionspecGuarantees(): array`, or the attribute #[SessionSpec\Guarantees(...)]) or on the
// URI (certify's --guarantee adds URI parameters); the URI wins. What nobody declared is assumed
// (the weakest: last-writer-wins, gc-only) and named in the certificate.

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "handlers/declared_guarantees.hpp"
#include "handlers/seam.hpp"
#include "model/options.hpp"

namespace ss::oracle {

struct OracleSetup;
struct ModuleSetup;

/// The libfaketime preload library (Debian's libfaketime), or "" when it is not installed.
[[nodiscard]] std::string faketime_library();

/// The guarantee keys a class may declare, and their checks: the parser every declaration
/// shares (handlers/declared_guarantees.hpp).
using handlers::check_guarantee;
using handlers::guarantee_keys;

/// What PHP showed of the class (describe_user_class).
struct UserClassInfo {
  std::string class_name;
  model::Variant variant = model::Variant::full;
  /// The guarantees the class itself declares (checked), and where: "sessionspecGuarantees()"
  /// or "#[SessionSpec\Guarantees]"; empty when it declares none.
  std::map<std::string, std::string> declared;
  std::string source;
};

/// What a php:class: URI says.
struct UserClassUri {
  /// The bootstrap file as given, and as an absolute path (what PHP gets).
  std::string bootstrap;
  std::string bootstrap_path;
  /// PHP extensions to load, in order (`-d extension=NAME.so`): php -n loads none.
  std::vector<std::string> extensions;
  /// PHP's time() follows the virtual clock through libfaketime (the default), or is real.
  bool faketime = true;
  /// Guarantees declared on the URI (they win over the class's).
  std::map<std::string, std::string> declared;
  /// Set by describe_user_class().
  std::optional<UserClassInfo> info;

  /// Parses the part after `php:class:`; nullopt with the reason.
  static std::optional<UserClassUri> parse(const std::string& rest, std::string& error);

  /// The guarantees the run is judged by (ttl_s defaults to the run's gc_maxlifetime).
  [[nodiscard]] handlers::Guarantees guarantees(const model::RunOptions& opts) const;
  /// The guarantee keys nobody declared (sessionspec assumed them), in guarantee_keys() order.
  [[nodiscard]] std::vector<std::string> assumed() const;
  /// Who declared each declared guarantee: "the URI" (or certify's --guarantee) or the class's
  /// source (UserClassInfo::source); assumed ones are absent.
  [[nodiscard]] std::map<std::string, std::string> declared_by() const;
  /// One line: every guarantee with where it comes from.
  [[nodiscard]] std::string describe() const;

  /// `-d extension=...` for each extension.
  [[nodiscard]] std::vector<std::string> php_args() const;
  /// The environment of the PHP processes (libfaketime), with the faketime file in `work_dir`.
  [[nodiscard]] std::vector<std::string> php_env(const std::string& work_dir) const;
  /// A store nobody else uses: a new directory under `scratch_dir` and a new key prefix.
  [[nodiscard]] ModuleSetup isolated(const std::string& scratch_dir, const std::string& tag) const;
};

/// Runs the bootstrap once in PHP (oracle/introspect.php) and records the class, its shape and
/// what it declares in `uri.info`. An error (one line) when PHP cannot build the handler, the
/// shape is not one PHP 8.2 has a model of, or a declared guarantee is malformed.
[[nodiscard]] base::Result<std::monostate> describe_user_class(UserClassUri& uri,
                                                               const OracleSetup& setup);

/// The ids the class's create_sid() makes (oracle/create_sid.php): `count` in all, `per_process`
/// from each PHP process in turn, each process's handler opened by PHP's session module on one
/// fresh store; nullopt when the class has no create_sid. An error (one line) when PHP cannot
/// run it or create_sid() fails.
[[nodiscard]] base::Result<std::optional<std::vector<std::string>>> user_class_sids(
    const UserClassUri& uri, const OracleSetup& setup, std::size_t count, std::size_t per_process);

/// The same store location again with a new directory and prefix: a fresh store (each scenario
/// of a class runs in one).
[[nodiscard]] ModuleSetup fresh_class_store(const ModuleSetup& store);

/// Sets PHP's clock (libfaketime's timestamp file) to `now_s`; false with the reason.
bool write_faketime(const std::string& file, std::int64_t now_s, std::string& error);

/// PHP names the tracing proxy in its warnings ("handler: SessionSpecProxyFullHandler::write");
/// the model names the shape's handler without the prefix. Drops it from the diagnostics of
/// `lines` (oracle/src/UserProxy.php).
void unwrap_proxy_names(std::vector<nlohmann::json>& lines);

/// The proxy's progress lines ({"calling": M} / {"returned": M}), which are not trace events.
[[nodiscard]] bool is_progress_line(const nlohmann::json& line);

}  // namespace ss::oracle
