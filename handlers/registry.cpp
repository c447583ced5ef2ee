#include "handlers/registry.hpp"

#include "handlers/factories.hpp"
#include "handlers/files_handler.hpp"
#include "handlers/handler_uri.hpp"
#include "handlers/memory_handler.hpp"
#include "handlers/mutants.hpp"

namespace ss::handlers {

Result<std::unique_ptr<Backend>> make_backend(const std::string& uri, std::uint64_t seed,
                                              Clock& clock) {
  // mutant:NAME+BASE wraps any other handler in a deliberately broken decorator.
  if (uri.rfind("mutant:", 0) == 0) {
    const std::size_t plus = uri.find('+');
    if (plus == std::string::npos) {
      return fail(ErrorCode::unsupported,
                  "malformed mutant URI '" + uri + "' (want mutant:NAME+BASE)");
    }
    auto base = make_backend(uri.substr(plus + 1), seed, clock);
    if (!base) return base.error();
    return make_mutant(uri.substr(7, plus - 7), std::move(base.value()));
  }
  std::string error;
  auto parsed = parse_handler_uri(uri, error);
  if (!parsed) return fail(ErrorCode::unsupported, error);
  if (parsed->scheme == "memory") {
    return std::unique_ptr<Backend>(std::make_unique<MemoryBackend>(seed, clock));
  }
  if (parsed->scheme == "files") {
    auto made = FilesBackend::create(parsed->target, seed, clock);
    if (!made) return made.error();
    return std::unique_ptr<Backend>(std::move(made.value()));
  }
#ifdef SESSIONSPEC_HAVE_TABLE
  if (parsed->scheme == "table") return make_table_backend(*parsed, seed, clock);
#endif
#ifdef SESSIONSPEC_HAVE_REDIS
  if (parsed->scheme == "redis") return make_redis_backend(*parsed, seed, clock);
#endif
#ifdef SESSIONSPEC_HAVE_SQLITE
  if (parsed->scheme == "sqlite") return make_sqlite_backend(*parsed, seed, clock);
#endif
#ifdef SESSIONSPEC_HAVE_EXEC
  if (parsed->scheme == "exec") return make_exec_backend(*parsed, seed, clock);
#endif
  if (parsed->scheme == "php") {
    // PHP's own modules store inside a real PHP process, so no in-process backend can stand in
    // for them; only the verbs that run real PHP accept them.
    return fail(ErrorCode::unsupported,
                "handler '" + uri +
                    "': php: modules run inside real PHP; use them with "
                    "'sessionspec certify --handler' or 'sessionspec oracle --handler'");
  }
  return fail(ErrorCode::unsupported, "handler '" + uri + "': scheme '" + parsed->scheme +
                                          "' is not available in this build");
}

std::vector<std::string> builtin_handler_examples(const std::string& scratch_dir) {
  return {"memory", "files:" + scratch_dir + "/files"};
}

}  // namespace ss::handlers
