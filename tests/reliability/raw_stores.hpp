#pragma once
// Direct access to the stores behind the handlers, for planting what a handler would never
// write itself (oversized, corrupt or foreign data): hiredis and sqlite3, as the handler tests
// use them. Only the tests include this; the handlers' own client code is not reused, so a
// broken handler cannot hide a broken plant.

#include <cstdlib>
#include <string>
#include <vector>

#ifdef SESSIONSPEC_HAVE_REDIS
#include <hiredis/hiredis.h>
#endif
#ifdef SESSIONSPEC_HAVE_SQLITE
#include <sqlite3.h>
#endif

namespace ss::reliability {

/// The port of the ctest fixture's redis-server, or 0 when the tests run without one.
inline int redis_port() {
  const char* p = std::getenv("REDIS_PORT");
  return p != nullptr ? std::atoi(p) : 0;
}

#ifdef SESSIONSPEC_HAVE_REDIS
/// A plain hiredis connection. cmd() returns strings and status replies as text, integers in
/// decimal, nil as "(nil)".
class RawRedis {
 public:
  explicit RawRedis(int port) : ctx_(redisConnect("127.0.0.1", port)) {}
  ~RawRedis() {
    if (ctx_ != nullptr) redisFree(ctx_);
  }
  RawRedis(const RawRedis&) = delete;
  RawRedis& operator=(const RawRedis&) = delete;
  [[nodiscard]] bool ok() const { return ctx_ != nullptr && ctx_->err == 0; }
  std::string cmd(const std::vector<std::string>& argv) {
    std::vector<const char*> p;
    std::vector<std::size_t> n;
    for (const auto& a : argv) {
      p.push_back(a.data());
      n.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(ctx_, static_cast<int>(argv.size()), p.data(), n.data()));
    if (r == nullptr) return "(connection error)";
    std::string out = "(nil)";
    if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ||
        r->type == REDIS_REPLY_ERROR) {
      out = std::string(r->str, r->len);
    } else if (r->type == REDIS_REPLY_INTEGER) {
      out = std::to_string(r->integer);
    }
    freeReplyObject(r);
    return out;
  }

 private:
  redisContext* ctx_;
};
#endif

#ifdef SESSIONSPEC_HAVE_SQLITE
/// Runs `sql` on the database at `path` with `blob` bound to ?1 (when given); "" or the error.
inline std::string sqlite_exec(const std::string& path, const std::string& sql,
                               const std::string* blob = nullptr) {
  sqlite3* db = nullptr;
  std::string error;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    error = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return error;
  }
  sqlite3_busy_timeout(db, 2000);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    error = sqlite3_errmsg(db);
  } else {
    if (blob) sqlite3_bind_blob(st, 1, blob->data(), static_cast<int>(blob->size()), SQLITE_STATIC);
    const int rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) error = sqlite3_errmsg(db);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return error;
}
#endif

}  // namespace ss::reliability
