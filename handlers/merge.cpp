#include "handlers/merge.hpp"

#include <variant>
#include <vector>

#include "model/codec.hpp"

namespace ss::handlers {

namespace {

bool holds_reference(const std::vector<model::Entry>& entries);

bool holds_reference(const model::Value& v) {
  if (std::holds_alternative<model::Reference>(v.v)) return true;
  if (const auto* a = std::get_if<model::Array>(&v.v)) return holds_reference(a->items);
  if (const auto* o = std::get_if<model::Object>(&v.v)) return holds_reference(o->props);
  return false;
}

// Recursion is bounded by the decoder's depth limit (model::decode_depth_max).
bool holds_reference(const std::vector<model::Entry>& entries) {
  for (const model::Entry& e : entries) {
    if (holds_reference(e.value)) return true;
  }
  return false;
}

Result<model::Array> decode_side(std::string_view bytes, std::string_view side) {
  auto decoded = model::decode_session(bytes, model::Serializer::php);
  if (const auto* e = std::get_if<model::DecodeError>(&decoded)) {
    return fail(ErrorCode::conflict, "cannot merge concurrent writes: the " + std::string(side) +
                                         " session is not in the php serializer format (offset " +
                                         std::to_string(e->offset) + ": " + e->message + ")");
  }
  // A reference names its target by number; keys taken from two sessions would renumber them.
  if (holds_reference(std::get<model::Array>(decoded).items)) {
    return fail(ErrorCode::conflict, "cannot merge concurrent writes: the " + std::string(side) +
                                         " session holds references (R:/r:), which a key-level "
                                         "merge would break");
  }
  return std::get<model::Array>(std::move(decoded));
}

}  // namespace

Result<std::string> merge_session_keys(std::string_view base, std::string_view current,
                                       std::string_view mine) {
  auto b = decode_side(base, "base (read)");
  if (!b) return b.error();
  auto c = decode_side(current, "current (stored)");
  if (!c) return c.error();
  auto m = decode_side(mine, "written");
  if (!m) return m.error();
  model::Array out;
  for (const model::Entry& e : c.value().items) {
    const model::Value* was = b.value().find(e.key);
    if (const model::Value* my = m.value().find(e.key)) {
      const bool changed_here = was == nullptr || !(*was == *my);
      out.items.push_back(model::Entry{e.key, changed_here ? *my : e.value});
      continue;
    }
    // Deleted here: honoured unless the other request changed the value meanwhile.
    if (was != nullptr && *was == e.value) continue;
    out.items.push_back(e);
  }
  for (const model::Entry& e : m.value().items) {
    if (c.value().find(e.key) != nullptr) continue;
    // Absent remotely: deleted there if it was in the base and this request left it alone.
    const model::Value* was = b.value().find(e.key);
    if (was != nullptr && *was == e.value) continue;
    out.items.push_back(e);
  }
  model::EncodeResult encoded = model::encode_session(out, model::Serializer::php);
  if (encoded.failed || !encoded.skipped_numeric_keys.empty()) {
    return fail(ErrorCode::conflict,
                "cannot merge concurrent writes: the merged session does "
                "not encode in the php serializer format");
  }
  return std::move(encoded.bytes);
}

}  // namespace ss::handlers
