#include "dir_store.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sessionspec/model/engine.hpp>  // valid_session_id: PHP's rule for session ids
#include <sstream>
#include <system_error>
#include <utility>

namespace example {

namespace fs = std::filesystem;
using ss::handlers::ErrorCode;
using ss::handlers::fail;
using ss::handlers::Result;
using ss::handlers::Status;
using ss::handlers::Task;

namespace {

/// The longest id kept: a file name holds at most 255 bytes.
constexpr std::size_t id_bytes_max = 255;
/// The largest session stored; the conformance suite checks that one byte more is refused.
constexpr std::size_t payload_bytes_max = 1 << 20;
/// create_sid's attempts before it reports a conflict (each collides with 2^-160 odds).
constexpr int create_sid_tries_max = 3;

struct Session {
  std::int64_t mtime_s = 0;
  std::string data;
};

class DirHandler final : public ss::handlers::SessionHandler {
 public:
  DirHandler(fs::path dir, std::shared_ptr<std::mt19937_64> ids, ss::handlers::RequestEnv env)
      : dir_(std::move(dir)), ids_(std::move(ids)), env_(env) {}

  Task<Status> open(std::string, std::string) override { co_return ss::handlers::ok_status(); }
  Task<Status> close() override { co_return ss::handlers::ok_status(); }

  Task<Result<std::string>> read(std::string id) override {
    if (!acceptable(id)) co_return ss::handlers::bad_id(id);
    co_return load(id).value_or(Session{}).data;
  }

  Task<Status> write(std::string id, std::string data) override {
    if (!acceptable(id)) co_return ss::handlers::bad_id(id);
    if (data.size() > payload_bytes_max) co_return fail(ErrorCode::capacity, "payload too big");
    co_return store(id, Session{now(), std::move(data)});
  }

  Task<Status> destroy(std::string id) override {
    if (!acceptable(id)) co_return ss::handlers::bad_id(id);
    std::error_code ec;
    fs::remove(dir_ / id, ec);
    if (ec) co_return fail(ErrorCode::io, "destroy " + id + ": " + ec.message());
    co_return ss::handlers::ok_status();
  }

  Task<Result<std::int64_t>> gc(std::int64_t max_lifetime_s) override {
    std::int64_t removed = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir_, ec)) {
      const std::string id = entry.path().filename().string();
      if (!acceptable(id)) continue;  // our own temporary files
      auto s = load(id);
      if (s && now() - s->mtime_s > max_lifetime_s && fs::remove(entry.path(), ec)) ++removed;
    }
    if (ec) co_return fail(ErrorCode::io, "gc: " + ec.message());
    co_return removed;
  }

  Task<Result<std::string>> create_sid() override {
    static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    for (int tries = 0; tries < create_sid_tries_max; ++tries) {
      std::string id;
      for (int i = 0; i < 32; ++i) id += alphabet[(*ids_)() % (sizeof alphabet - 1)];
      if (!load(id)) co_return id;
    }
    co_return fail(ErrorCode::conflict, "create_sid: colliding ids");
  }

  Task<Result<bool>> validate_id(std::string id) override {
    co_return acceptable(id) && load(id).has_value();
  }

  Task<Status> update_timestamp(std::string id, std::string data) override {
    if (!acceptable(id)) co_return ss::handlers::bad_id(id);
    // PHP calls this for an unchanged session: keep what is stored, only its time moves on.
    Session s = load(id).value_or(Session{0, std::move(data)});
    s.mtime_s = now();
    co_return store(id, std::move(s));
  }

 private:
  static bool acceptable(const std::string& id) {
    return ss::model::valid_session_id(id) && id.size() <= id_bytes_max;
  }
  std::int64_t now() const { return env_.clock->now_s(); }

  std::optional<Session> load(const std::string& id) const {
    std::ifstream in(dir_ / id, std::ios::binary);
    Session s;
    if (!(in >> s.mtime_s) || in.get() != '\n') return std::nullopt;
    s.data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return s;
  }

  Status store(const std::string& id, const Session& s) const {
    const fs::path tmp = dir_ / ("." + id + ".tmp");
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << s.mtime_s << '\n' << s.data;
      if (!out.flush()) return fail(ErrorCode::io, "write " + tmp.string());
    }
    std::error_code ec;
    fs::rename(tmp, dir_ / id, ec);
    if (ec) return fail(ErrorCode::io, "rename to " + id + ": " + ec.message());
    return ss::handlers::ok_status();
  }

  fs::path dir_;
  std::shared_ptr<std::mt19937_64> ids_;
  ss::handlers::RequestEnv env_;
};

}  // namespace

DirStore::DirStore(std::string dir, std::uint64_t seed)
    : dir_(std::move(dir)), ids_(std::make_shared<std::mt19937_64>(seed)) {}

ss::handlers::Guarantees DirStore::guarantees() const {
  ss::handlers::Guarantees g;
  // Each file is replaced whole, but nothing spans a request: the last writer wins.
  g.concurrency = ss::handlers::Concurrency::last_writer_wins;
  g.store.expiry = ss::model::Expiry::gc_only;
  g.store.id_bytes_max = id_bytes_max;
  g.payload_bytes_max = payload_bytes_max;
  return g;
}

std::unique_ptr<ss::handlers::SessionHandler> DirStore::connect(ss::handlers::RequestEnv env) {
  return std::make_unique<DirHandler>(dir_, ids_, env);
}

}  // namespace example
