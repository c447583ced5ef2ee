// codec_fuzz: PHP's session serialisers and unserialize() on arbitrary bytes.
//
// Properties (any violation aborts):
// * decoding never crashes, under php, php_serialize and php_binary, for any input;
// * for each serialiser, when decode(s) succeeds with an array A, encode(A) neither fails nor drops
//   keys (a decoded array holds nothing the encoder refuses), decode(encode(A)) == A, and encoding
//   is a fixed point from there on: encode(decode(encode(A))) == encode(A);
// * when unserialize(s) succeeds with V, unserialize(serialize(V)) == V and serialize() of that is
//   serialize(V) again; unserialize_prefix() agrees with unserialize().

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz/fuzz_check.hpp"
#include "model/codec.hpp"

namespace {

using ss::model::Array;
using ss::model::DecodeError;
using ss::model::Serializer;
using ss::model::Value;

std::string describe(std::string_view input, Serializer f, const std::string& encoded) {
  return "serializer " + std::string(ss::model::serializer_name(f)) +
         "\n  input:   " + ss::model::show(Value(std::string(input))) +
         "\n  encoded: " + ss::model::show(Value(encoded));
}

void check_session_round_trip(std::string_view input, Serializer f) {
  // decode_session_value must not crash either; it agrees with decode_session on arrays.
  const auto as_value = ss::model::decode_session_value(input, f);
  const auto decoded = ss::model::decode_session(input, f);
  const auto* array = std::get_if<Array>(&decoded);
  if (array == nullptr) {
    if (f != Serializer::php_serialize) {
      FUZZ_CHECK(std::holds_alternative<DecodeError>(as_value), describe(input, f, ""));
    }
    return;
  }
  const auto* value = std::get_if<Value>(&as_value);
  FUZZ_CHECK(value != nullptr && *value == Value(*array), describe(input, f, ""));

  const ss::model::EncodeResult first = ss::model::encode_session(*array, f);
  FUZZ_CHECK(!first.failed, describe(input, f, ""));
  FUZZ_CHECK(first.skipped_numeric_keys.empty(), describe(input, f, first.bytes));
  const auto again = ss::model::decode_session(first.bytes, f);
  const auto* array2 = std::get_if<Array>(&again);
  FUZZ_CHECK(array2 != nullptr, describe(input, f, first.bytes));
  FUZZ_CHECK(*array2 == *array, describe(input, f, first.bytes) +
                                    "\n  decoded: " + ss::model::show(Value(*array)) +
                                    "\n  re-decoded: " + ss::model::show(Value(*array2)));
  const ss::model::EncodeResult second = ss::model::encode_session(*array2, f);
  FUZZ_CHECK(second.bytes == first.bytes, describe(input, f, first.bytes) + "\n  second:  " +
                                              ss::model::show(Value(second.bytes)));
}

void check_unserialize_round_trip(std::string_view input) {
  const std::string shown = ss::model::show(Value(std::string(input)));
  const auto prefix = ss::model::unserialize_prefix(input);
  const auto whole = ss::model::unserialize(input);
  const auto* got = std::get_if<Value>(&whole);
  if (got == nullptr) return;
  const auto* p = std::get_if<std::pair<Value, std::size_t>>(&prefix);
  FUZZ_CHECK(p != nullptr && p->second == input.size() && p->first == *got,
             "unserialize and unserialize_prefix disagree on " + shown);
  const std::string text = ss::model::serialize(*got);
  const auto back = ss::model::unserialize(text);
  const auto* v2 = std::get_if<Value>(&back);
  FUZZ_CHECK(v2 != nullptr && *v2 == *got, "unserialize(serialize(v)) != v\n  input: " + shown +
                                               "\n  serialized: " + ss::model::show(Value(text)));
  FUZZ_CHECK(ss::model::serialize(*v2) == text, "serialize is not a fixed point on " + text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  for (Serializer f : {Serializer::php, Serializer::php_serialize, Serializer::php_binary}) {
    check_session_round_trip(input, f);
  }
  check_unserialize_round_trip(input);
  return 0;
}
