#include "handlers/registry.hpp"

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <system_error>

#include "handlers/factories.hpp"

namespace ss::handlers {

namespace {

/// Decorators nest (`mutant:a+mutant:b+memory`) at most this deep.
constexpr std::size_t decorators_max = 8;

/// Every backend kind this build has, in a fixed order.
const std::vector<BackendKind>& kinds() {
  static const std::vector<BackendKind> all = [] {
    std::vector<BackendKind> out{memory_kind(), files_kind()};
#ifdef SESSIONSPEC_HAVE_TABLE
    out.push_back(table_kind());
#endif
#ifdef SESSIONSPEC_HAVE_REDIS
    out.push_back(redis_kind());
#endif
#ifdef SESSIONSPEC_HAVE_SQLITE
    out.push_back(sqlite_kind());
#endif
#ifdef SESSIONSPEC_HAVE_EXEC
    out.push_back(exec_kind());
#endif
    return out;
  }();
  return all;
}

const BackendKind* kind_of(const std::string& scheme) {
  for (const auto& k : kinds()) {
    if (k.scheme == scheme) return &k;
  }
  return nullptr;
}

/// Registered decorator kinds. Written at start-up, read whenever a backend is made.
struct Decorators {
  std::mutex mutex;
  std::vector<DecoratorKind> kinds;
};

Decorators& decorators() {
  static Decorators d;
  return d;
}

std::optional<DecoratorKind> decorator_of(const std::string& kind) {
  Decorators& d = decorators();
  const std::lock_guard<std::mutex> lock(d.mutex);
  for (const auto& k : d.kinds) {
    if (k.kind == kind) return k;
  }
  return std::nullopt;
}

/// Decorator kinds that are recognised even when not registered, so that a program without them
/// says so instead of calling `mutant` an unknown scheme.
bool is_decorator_kind(const std::string& kind) {
  return kind == "mutant" || kind == "fault" || decorator_of(kind).has_value();
}

/// Reads one `KIND:NAME+` prefix off `rest` into `spec`. Nullopt when `rest` starts with no
/// decorator; otherwise ok or the reason it is malformed or unknown.
std::optional<Status> take_decorator(const std::string& text, std::string& rest,
                                     HandlerSpec& spec) {
  const std::size_t colon = rest.find(':');
  if (colon == std::string::npos || !is_decorator_kind(rest.substr(0, colon))) return std::nullopt;
  const std::string kind = rest.substr(0, colon);
  const std::size_t plus = rest.find('+', colon);
  if (plus == std::string::npos || plus == colon + 1) {
    return Status(fail(ErrorCode::unsupported,
                       "malformed " + kind + " URI '" + text + "' (want " + kind + ":NAME+BASE)"));
  }
  if (spec.decorators.size() == decorators_max) {
    return Status(fail(ErrorCode::unsupported, "handler '" + text + "': more than " +
                                                   std::to_string(decorators_max) + " decorators"));
  }
  const std::string name = rest.substr(colon + 1, plus - colon - 1);
  const auto registered = decorator_of(kind);
  if (!registered) {
    return Status(fail(ErrorCode::unsupported, "handler '" + text + "': " + kind +
                                                   " handlers are not available in this program"));
  }
  if (Status known = registered->check(name); !known) return known;
  spec.decorators.push_back({kind, name});
  rest = rest.substr(plus + 1);
  return ok_status();
}

Result<std::unique_ptr<Backend>> decorate(const HandlerSpec& spec, std::unique_ptr<Backend> base) {
  for (auto d = spec.decorators.rbegin(); d != spec.decorators.rend(); ++d) {
    const auto registered = decorator_of(d->kind);
    if (!registered) {
      return fail(ErrorCode::unsupported, d->kind + " handlers are not available in this program");
    }
    auto wrapped = registered->wrap(d->name, std::move(base));
    if (!wrapped) return wrapped.error();
    base = std::move(wrapped.value());
  }
  return base;
}

}  // namespace

HandlerSpec HandlerSpec::with_param(const std::string& key, const std::string& value) const {
  HandlerSpec out = *this;
  const bool has_query = !base.params.empty() || base.text.find('?') != std::string::npos;
  out.base.params[key] = value;
  const std::string suffix = (has_query ? "&" : "?") + key + "=" + value;
  out.base.text += suffix;
  out.text += suffix;
  return out;
}

Result<HandlerSpec> parse_handler_spec(const std::string& text) {
  HandlerSpec spec;
  spec.text = text;
  std::string rest = text;
  while (auto taken = take_decorator(text, rest, spec)) {
    if (!*taken) return taken->error();
  }
  std::string error;
  auto uri = parse_handler_uri(rest, error);
  if (!uri) return fail(ErrorCode::unsupported, error);
  spec.base = std::move(*uri);
  if (spec.base.scheme == "php") {
    // PHP's own modules store inside a real PHP process, so no in-process backend can stand in
    // for them; only the verbs that run real PHP accept them.
    return fail(ErrorCode::unsupported,
                "handler '" + text +
                    "': php: modules run inside real PHP; use them with "
                    "'sessionspec certify --handler' or 'sessionspec oracle --handler'");
  }
  const BackendKind* kind = kind_of(spec.base.scheme);
  if (kind == nullptr) {
    return fail(ErrorCode::unsupported, "handler '" + text + "': scheme '" + spec.base.scheme +
                                            "' is not available in this build");
  }
  if (Status checked = kind->check(spec.base); !checked) return checked.error();
  return spec;
}

Result<std::unique_ptr<Backend>> make_backend(const HandlerSpec& spec, std::uint64_t seed,
                                              Clock& clock) {
  const BackendKind* kind = kind_of(spec.base.scheme);
  if (kind == nullptr) {
    return fail(ErrorCode::unsupported, "handler '" + spec.text + "': scheme '" + spec.base.scheme +
                                            "' is not available in this build");
  }
  auto base = kind->make(spec.base, seed, clock);
  if (!base) return base.error();
  return decorate(spec, std::move(base.value()));
}

Result<std::unique_ptr<Backend>> make_backend(const std::string& uri, std::uint64_t seed,
                                              Clock& clock) {
  auto spec = parse_handler_spec(uri);
  if (!spec) return spec.error();
  return make_backend(spec.value(), seed, clock);
}

IsolatedBackend::~IsolatedBackend() {
  backend_.reset();
  if (isolation_.cleanup) isolation_.cleanup();
  if (!kept_ && !isolation_.scratch_dir.empty()) {
    std::error_code ignored;  // A scratch directory that cannot be removed only costs disk.
    std::filesystem::remove_all(isolation_.scratch_dir, ignored);
  }
}

std::string IsolatedBackend::keep() {
  kept_ = true;
  return isolation_.scratch_dir;
}

Result<std::unique_ptr<IsolatedBackend>> make_isolated(const HandlerSpec& spec, std::uint64_t seed,
                                                       Clock& clock,
                                                       const IsolationOptions& options) {
  const BackendKind* kind = kind_of(spec.base.scheme);
  if (kind == nullptr) return make_backend(spec, seed, clock).error();
  Isolation isolation;
  isolation.uri = spec.base;
  if (kind->isolate) {
    auto isolated = kind->isolate(spec.base, options);
    if (!isolated) return isolated.error();
    isolation = std::move(isolated.value());
  }
  // Owned before the backend is made, so that a failure undoes what isolating created.
  std::unique_ptr<IsolatedBackend> out(new IsolatedBackend(std::move(isolation)));
  HandlerSpec private_spec = spec;
  private_spec.base = out->isolation_.uri;
  auto made = make_backend(private_spec, seed, clock);
  if (!made) return made.error();
  out->backend_ = std::move(made.value());
  return out;
}

BackendFactory isolated_factory(HandlerSpec spec) {
  return [spec = std::move(spec)](Clock& clock,
                                  std::uint64_t seed) -> Result<std::unique_ptr<Backend>> {
    auto made = make_isolated(spec, seed, clock);
    if (!made) return made.error();
    return std::unique_ptr<Backend>(std::move(made.value()));
  };
}

BackendFactory isolated_factory(const std::string& uri) {
  auto spec = parse_handler_spec(uri);
  if (spec) return isolated_factory(std::move(spec.value()));
  return [error = spec.error()](Clock&, std::uint64_t) -> Result<std::unique_ptr<Backend>> {
    return error;
  };
}

std::vector<HandlerSpec> modes_of(const HandlerSpec& spec) {
  const BackendKind* kind = kind_of(spec.base.scheme);
  if (kind == nullptr || kind->mode_values.empty() || spec.base.params.count(kind->mode_param)) {
    return {spec};
  }
  std::vector<HandlerSpec> out;
  for (const auto& value : kind->mode_values) {
    out.push_back(value ? spec.with_param(kind->mode_param, *value) : spec);
  }
  return out;
}

std::vector<std::string> available_schemes() {
  std::vector<std::string> out;
  for (const auto& k : kinds()) out.push_back(k.scheme);
  return out;
}

std::vector<std::string> candidate_handlers(const std::string& scratch_dir) {
  std::vector<std::string> out = {"memory", "files:" + scratch_dir, "table:sessionspec-prop",
                                  "sqlite:" + scratch_dir + "/sessions.db"};
  if (const char* port = std::getenv("REDIS_PORT"); port != nullptr && *port != '\0') {
    out.push_back("redis://127.0.0.1:" + std::string(port));
  }
  return out;
}

std::vector<std::string> available_handlers(const std::string& scratch_dir) {
  std::vector<std::string> out;
  ManualClock clock(0);
  for (const auto& uri : candidate_handlers(scratch_dir)) {
    // Probing builds (and drops) one isolated backend: a scheme this build lacks, or a server
    // that is not there, fails here instead of in every case.
    auto spec = parse_handler_spec(uri);
    if (spec && make_isolated(spec.value(), 1, clock)) out.push_back(uri);
  }
  return out;
}

void register_decorator(DecoratorKind kind) {
  Decorators& d = decorators();
  const std::lock_guard<std::mutex> lock(d.mutex);
  for (auto& k : d.kinds) {
    if (k.kind == kind.kind) {
      k = std::move(kind);
      return;
    }
  }
  d.kinds.push_back(std::move(kind));
}

}  // namespace ss::handlers
