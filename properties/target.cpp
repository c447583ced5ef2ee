#include "properties/target.hpp"

#include <stdlib.h>
#include <unistd.h>

#include <sys/mman.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <system_error>

#include "handlers/registry.hpp"

namespace ss::properties {

namespace {

/// Names handed to table names and Redis key prefixes, unique within the process.
std::string unique_suffix() {
  static std::atomic<std::uint64_t> counter{0};
  return std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
}

/// A fresh directory `parent/case-XXXXXX`, or an error naming `uri`.
handlers::Result<std::string> fresh_dir(const std::string& parent, const std::string& uri) {
  std::string tmpl = (parent.empty() ? std::string(".") : parent) + "/case-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return handlers::fail(handlers::ErrorCode::io,
                          "handler '" + uri + "': cannot create a directory in " + parent);
  }
  return tmpl;
}

/// The URI of one case's isolated store, the directory to remove afterwards, and anything else
/// to undo.
struct Isolated {
  std::string uri;
  std::string scratch;
  std::function<void()> cleanup;
};

/// `table:NAME`: a shared-memory segment plus a directory of write-through files. One segment
/// name per process, emptied per case (fresh=1) and small (the default 4096 x 16 KB rows would
/// cost 64 MB per case); the files go to a fresh directory. The segment is unlinked afterwards
/// (its shm name follows handlers/table_handler.hpp: "/sessionspec-table-NAME").
handlers::Result<Isolated> isolate_table(const std::string& head, const std::string& query,
                                         const std::string& uri) {
  auto dir = fresh_dir(std::filesystem::temp_directory_path().string(), uri);
  if (!dir) return dir.error();
  const std::string name = head.substr(6) + "-" + std::to_string(::getpid());
  std::string params = query.empty() ? "?" : query + "&";
  params += "fresh=1&dir=" + dir.value() + "/files";
  if (query.find("rows=") == std::string::npos) params += "&rows=512";
  const std::string shm = "/sessionspec-table-" + name;
  return Isolated{"table:" + name + params, dir.value(), [shm] { ::shm_unlink(shm.c_str()); }};
}

handlers::Result<Isolated> isolate(const std::string& uri) {
  const std::size_t q = uri.find('?');
  const std::string head = uri.substr(0, q);
  const std::string query = q == std::string::npos ? std::string() : uri.substr(q);
  if (head.rfind("files:", 0) == 0) {
    auto dir = fresh_dir(head.substr(6), uri);
    if (!dir) return dir.error();
    return Isolated{"files:" + dir.value() + query, dir.value(), {}};
  }
  if (head.rfind("sqlite:", 0) == 0) {
    const std::filesystem::path path(head.substr(7));
    auto dir = fresh_dir(path.parent_path().string(), uri);
    if (!dir) return dir.error();
    return Isolated{"sqlite:" + dir.value() + "/" + path.filename().string() + query,
                    dir.value(), {}};
  }
  if (head.rfind("table:", 0) == 0) return isolate_table(head, query, uri);
  if (head.rfind("redis:", 0) == 0) {
    const std::string sep = query.empty() ? "?" : "&";
    return Isolated{uri + sep + "prefix=sessionspec-prop-" + unique_suffix() + "-", "", {}};
  }
  return Isolated{uri, "", {}};
}

}  // namespace

CaseBackend::CaseBackend(std::unique_ptr<handlers::Backend> backend, std::string scratch_dir,
                         std::function<void()> cleanup)
    : backend_(std::move(backend)), scratch_dir_(std::move(scratch_dir)),
      cleanup_(std::move(cleanup)) {}

CaseBackend::~CaseBackend() {
  backend_.reset();
  if (cleanup_) cleanup_();
  if (!scratch_dir_.empty()) {
    std::error_code ignored;  // A scratch directory that cannot be removed only costs disk.
    std::filesystem::remove_all(scratch_dir_, ignored);
  }
}

handlers::Result<std::unique_ptr<CaseBackend>> HandlerTarget::make(std::uint64_t seed,
                                                                   handlers::Clock& clock) const {
  // mutant:NAME+BASE: isolate the base, keep the mutant prefix in front of it.
  std::string prefix;
  std::string base = uri_;
  if (uri_.rfind("mutant:", 0) == 0 && uri_.find('+') != std::string::npos) {
    prefix = uri_.substr(0, uri_.find('+') + 1);
    base = uri_.substr(prefix.size());
  }
  auto isolated = isolate(base);
  if (!isolated) return isolated.error();
  auto made = handlers::make_backend(prefix + isolated.value().uri, seed, clock);
  // Built even on failure, so that its destructor removes what isolating made.
  auto out = std::make_unique<CaseBackend>(made ? std::move(made.value()) : nullptr,
                                           isolated.value().scratch, isolated.value().cleanup);
  if (!made) return made.error();
  return out;
}

namespace {

class CaseAdapter final : public handlers::Backend {
 public:
  explicit CaseAdapter(std::unique_ptr<CaseBackend> c) : case_(std::move(c)) {}
  std::string uri() const override { return case_->get().uri(); }
  handlers::Guarantees guarantees() const override { return case_->get().guarantees(); }
  std::unique_ptr<handlers::SessionHandler> connect(handlers::RequestEnv env) override {
    return case_->get().connect(env);
  }

 private:
  std::unique_ptr<CaseBackend> case_;
};

}  // namespace

std::unique_ptr<handlers::Backend> as_backend(std::unique_ptr<CaseBackend> c) {
  return std::make_unique<CaseAdapter>(std::move(c));
}

std::function<handlers::Result<std::unique_ptr<handlers::Backend>>(handlers::Clock&,
                                                                    std::uint64_t)>
isolated_backends(const std::string& uri) {
  return [uri](handlers::Clock& clock, std::uint64_t seed)
             -> handlers::Result<std::unique_ptr<handlers::Backend>> {
    auto made = HandlerTarget(uri).make(seed, clock);
    if (!made) return made.error();
    return as_backend(std::move(made.value()));
  };
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
  handlers::ManualClock clock(0);
  for (const auto& uri : candidate_handlers(scratch_dir)) {
    // Probing builds (and drops) one isolated backend: a scheme this build lacks, or a server
    // that is not there, fails here instead of in every case.
    if (HandlerTarget(uri).make(1, clock)) out.push_back(uri);
  }
  return out;
}

}  // namespace ss::properties
