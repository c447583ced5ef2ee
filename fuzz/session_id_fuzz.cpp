// session_id_fuzz: session ids as the files handler turns them into paths.
//
// Properties (any violation aborts):
// * model::valid_session_id(id) holds exactly for [A-Za-z0-9,-]{1,256} (checked against an
//   independent reference written here);
// * handlers::session_file_path(dir, id) gives a path exactly when the id is valid, and then the
//   path is dir + "/sess_" + id where the id part holds no '/', no "..", no NUL: no input can name
//   a file outside the save path;
// * model::php_made_id() makes valid ids of the requested length for every legal ini setting.
//
// Input: byte 0 picks the save path (and the php_made_id parameters); the rest is the id.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.hpp"
#include "handlers/files_handler.hpp"
#include "model/engine.hpp"
#include "model/rng.hpp"

namespace {

/// The reference: PHP's files handler id charset, written without the project's helpers.
bool reference_valid(const std::string& id) {
  if (id.empty() || id.size() > 256) return false;
  for (unsigned char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == ',' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string shown(const std::string& id) {
  return "id: " + ss::model::show(ss::model::Value(id));
}

void check_path(const std::string& dir, const std::string& id, bool valid) {
  const auto path = ss::handlers::session_file_path(dir, id);
  // A file name holds at most NAME_MAX bytes: longer (valid) ids have no path either.
  const bool fits = id.size() <= ss::handlers::files_id_bytes_max;
  FUZZ_CHECK(path.has_value() == (valid && fits), shown(id) + " dir: " + dir);
  if (!path) return;
  const std::string head = dir + "/sess_";
  FUZZ_CHECK(path->size() == head.size() + id.size(), shown(id));
  FUZZ_CHECK(path->compare(0, head.size(), head) == 0, shown(id) + " path: " + *path);
  const std::string tail = path->substr(head.size());
  FUZZ_CHECK(tail == id, shown(id));
  FUZZ_CHECK(tail.find('/') == std::string::npos, shown(id));
  FUZZ_CHECK(tail.find("..") == std::string::npos, shown(id));
  FUZZ_CHECK(tail.find('\0') == std::string::npos, shown(id));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::array<std::string, 4> dirs = {"/var/lib/php/sessions", "/tmp/sessionspec",
                                                  "relative/dir", ""};
  const std::uint8_t pick = size > 0 ? data[0] : 0;
  const std::string id(reinterpret_cast<const char*>(data) + (size > 0 ? 1 : 0),
                       size > 0 ? size - 1 : 0);
  const bool valid = ss::model::valid_session_id(id);
  FUZZ_CHECK(valid == reference_valid(id), shown(id));
  check_path(dirs[pick % dirs.size()], id, valid);

  // php_made_id over the legal sid_length (22..256) and sid_bits_per_character (4..6) ranges.
  ss::model::Rng rng(size);
  const std::int64_t length = 22 + static_cast<std::int64_t>(id.size() % 235);
  const std::int64_t bits = 4 + (pick >> 2) % 3;
  const std::string made = ss::model::php_made_id(rng, length, bits);
  FUZZ_CHECK(made.size() == static_cast<std::size_t>(length), shown(made));
  FUZZ_CHECK(ss::model::valid_session_id(made), shown(made));
  return 0;
}
