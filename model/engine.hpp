#pragma once
// The reference life-cycle model: one Engine per request, driven through Machine (proc.hpp).
// Given the handler's answers, an engine decides the next handler call and everything the script
// sees. Three profiles: real PHP 8.2, the legacy behaviour the gist recorded, and ZealPHP's
// coroutine engine (sequentially).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/calls.hpp"
#include "model/options.hpp"
#include "model/proc.hpp"
#include "model/rng.hpp"

namespace ss::model {

enum class EngineKind : std::uint8_t { php82, legacy, zealphp };

[[nodiscard]] std::string_view engine_name(EngineKind k);  // "php-8.2", "php-legacy", "zealphp"
[[nodiscard]] std::optional<EngineKind> parse_engine(std::string_view name);

/// session_status() values as PHP numbers them.
enum class Status : std::uint8_t { none = 1, active = 2 };

/// What a request's environment gives the engine.
struct RequestContext {
  RunOptions options;
  Variant variant = Variant::full;
  /// The incoming PHPSESSID cookie, if the browser sent one.
  std::optional<std::string> cookie;
  /// session_set_save_handler($handler, register_shutdown): true registers PHP's end-of-request
  /// write as a shutdown function; false leaves it to RSHUTDOWN, after the response.
  bool register_shutdown = true;
  /// The session name's query-string parameter ($_GET), if the URL had one (read only with
  /// use_only_cookies=0).
  std::optional<std::string> query = std::nullopt;
};

/// One request's session module. Every entry point is a procedure: drive it with Machine until
/// done, answering each pending handler call.
class Engine {
 public:
  virtual ~Engine() = default;
  /// Work the engine does before the script runs (ZealPHP starts returning sessions here).
  virtual Proc<Outcome> begin_request() = 0;
  /// One script call.
  virtual Proc<Outcome> script(const ScriptCall& call) = 0;
  /// End of request: PHP's shutdown write and close.
  virtual Proc<Outcome> end_request() = 0;

  [[nodiscard]] virtual Status status() const = 0;
  [[nodiscard]] virtual std::string session_id() const = 0;
  /// $_SESSION, or nullopt while it is unset.
  [[nodiscard]] virtual const std::optional<Array>& session() const = 0;
  /// PHPSESSID values of the Set-Cookie lines the response carries, in order.
  [[nodiscard]] virtual std::vector<std::string> set_cookies() const = 0;
  /// Replaces $_SESSION, as a process-wide session array shared by coroutines does when another
  /// request wrote to it (used by the shared-slot manager below).
  virtual void set_session(std::optional<Array> session) = 0;
};

/// The lesson's bug as a session manager: every request of a process sees one $_SESSION. The
/// wrapped engine loads the shared slot before each script call and stores it back after.
[[nodiscard]] std::unique_ptr<Engine> make_shared_slot_engine(
    std::unique_ptr<Engine> inner, std::shared_ptr<std::optional<Array>> slot);

/// Makes an engine for one request. `rng` supplies PHP-made ids and gc draws; it must outlive
/// the engine.
[[nodiscard]] std::unique_ptr<Engine> make_engine(EngineKind kind, RequestContext ctx, Rng& rng);

/// set / push / incr / unset / get / session_unset / session_status / advance on $_SESSION.
/// `vars` is created on first assignment, as PHP creates the $_SESSION global. Public for the
/// explorer's race checkers, which compute what a request's own writes leave in $_SESSION.
Outcome apply_array_op(const ScriptCall& call, bool active, std::optional<Array>& vars);

/// PHP's id charset for files/SessionHandler: [A-Za-z0-9,-]{1,256}.
inline constexpr std::size_t session_id_bytes_max = 256;
[[nodiscard]] bool valid_session_id(std::string_view id);

/// An id as PHP makes it (php_session_create_id): `length` characters, `bits` bits each.
[[nodiscard]] std::string php_made_id(Rng& rng, std::int64_t length, std::int64_t bits);

}  // namespace ss::model
