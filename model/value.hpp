#pragma once
// The PHP value tree that $_SESSION holds. Standard library only: the model layer must stay pure.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace ss::model {

struct Entry;
struct Value;

/// A PHP array key: PHP normalises numeric strings to integers, so both kinds exist.
using Key = std::variant<std::int64_t, std::string>;

/// An ordered PHP array (insertion order is significant: it is the serialisation order).
///
/// Lookups are amortised O(1): arrays of `indexed_size_min` entries or more keep a hash index
/// (key -> position) and the next free integer key, built on first use and brought up to date
/// with entries appended since, so building an array of n entries with set() or push() costs
/// O(n), not O(n^2) (issue #14, D14). The index is a cache: copying an array does not copy it.
/// `items` may be read freely and appended to with entries whose keys are new (the codec and
/// the merge do); every other change goes through set(), erase() or push().
struct Array {
  std::vector<Entry> items;

  Array();
  Array(const Array& other);
  Array(Array&& other) noexcept;
  Array& operator=(const Array& other);
  Array& operator=(Array&& other) noexcept;
  ~Array();

  /// Returns the value at `key`, or nullptr.
  [[nodiscard]] const Value* find(const Key& key) const;
  [[nodiscard]] Value* find(const Key& key);
  /// Inserts or replaces, keeping the position of an existing key (PHP semantics).
  void set(const Key& key, Value value);
  /// Removes `key` if present; returns whether it was present. O(n), like PHP's packed arrays.
  bool erase(const Key& key);
  /// PHP's `$a[] = v`: appends with key max(int keys)+1 (0 when there are none). Returns false
  /// and changes nothing when that key would pass INT64_MAX (PHP: "Cannot add element to the
  /// array as the next element is already occupied").
  bool push(Value value);
  [[nodiscard]] bool empty() const;
  [[nodiscard]] std::size_t size() const;
  friend bool operator==(const Array&, const Array&);

  /// Below this many entries a linear scan is cheaper than a hash index.
  static constexpr std::size_t indexed_size_min = 16;

 private:
  struct Index;
  /// The index, caught up with `items`; only for arrays of indexed_size_min entries or more.
  Index& index() const;
  [[nodiscard]] std::optional<std::size_t> position(const Key& key) const;
  mutable std::unique_ptr<Index> index_;
};

/// An object: class name plus properties in declaration order. Property names keep PHP's
/// mangling ("\0*\0name" protected, "\0Class\0name" private) so that encoding is byte-exact.
struct Object {
  std::string class_name;
  std::vector<Entry> props;
  friend bool operator==(const Object&, const Object&);
};

/// A reference found in stored data: `R:n;` (this slot and variable n are one PHP reference) or
/// `r:n;` (a second handle on the object variable n holds). The tree does not alias the two
/// slots: the leaf names its target by number, counted as serialize() counts the whole value
/// (for a session, the session array itself is variable 1), so that a session PHP stored with
/// references decodes and encodes back to the same bytes. What the model does not do with
/// references is listed at the top of model/codec.cpp.
struct Reference {
  /// `r:` (an object handle) rather than `R:` (a reference).
  bool object_handle = false;
  std::uint64_t target = 0;
  friend bool operator==(const Reference&, const Reference&) = default;
};

/// A PHP value. Floats compare by bit pattern so that NAN round trips compare equal.
struct Value {
  std::variant<std::monostate, bool, std::int64_t, double, std::string, Array, Object, Reference> v;

  // All out of line: Entry is still incomplete here, and clang instantiates the variant's
  // special members (which need ~vector<Entry>) in any inline constructor body.
  Value();
  Value(std::monostate);
  Value(bool b);
  Value(std::int64_t i);
  Value(int i);
  Value(double d);
  Value(std::string s);
  Value(const char* s);
  Value(Array a);
  Value(Object o);
  Value(Reference r);
  Value(const Value&);
  Value(Value&&) noexcept;
  Value& operator=(const Value&);
  Value& operator=(Value&&) noexcept;
  ~Value();

  [[nodiscard]] bool is_null() const { return std::holds_alternative<std::monostate>(v); }
  friend bool operator==(const Value&, const Value&);
};

struct Entry {
  Key key;
  Value value;
  friend bool operator==(const Entry&, const Entry&) = default;
};

/// The entries of an array or the properties of an object; nullptr for other values.
[[nodiscard]] const std::vector<Entry>* entries_of(const Value& value);
[[nodiscard]] std::vector<Entry>* entries_of(Value& value);
/// `value` itself when it is not an array or object, else an empty one (same class name).
[[nodiscard]] Value shallow_copy(const Value& value);

/// PHP's array-key normalisation: "7" becomes 7, "07" and "-0" stay strings.
[[nodiscard]] Key normalise_key(const std::string& key);

/// A compact PHP-like rendering for diagnostics and text traces (var_export style).
[[nodiscard]] std::string show(const Value& value);
[[nodiscard]] std::string show(const Key& key);

}  // namespace ss::model
