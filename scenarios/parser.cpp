// The scenario parser: line-oriented, one statement per line, JSON literals for values (parsed
// by nlohmann-json, never by hand).

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>

#include "model/codec.hpp"
#include "model/engine.hpp"
#include "model/fault_target.hpp"
#include "scenarios/scenario.hpp"

namespace ss::scenarios {

std::string ParseError::str() const {
  if (line == 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ": " + message;
}

namespace {

using model::Op;
// ordered_json keeps object keys in the order written: PHP arrays are ordered.
using nlohmann::ordered_json;

model::Value from_json(const ordered_json& j) {
  switch (j.type()) {
    case ordered_json::value_t::null: return model::Value{};
    case ordered_json::value_t::boolean: return model::Value{j.get<bool>()};
    case ordered_json::value_t::number_integer: return model::Value{j.get<std::int64_t>()};
    case ordered_json::value_t::number_unsigned: {
      const auto u = j.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) return model::Value{static_cast<double>(u)};
      return model::Value{static_cast<std::int64_t>(u)};
    }
    case ordered_json::value_t::number_float: return model::Value{j.get<double>()};
    case ordered_json::value_t::string: return model::Value{j.get<std::string>()};
    case ordered_json::value_t::array: {
      model::Array a;
      for (const auto& item : j) a.push(from_json(item));
      return model::Value{std::move(a)};
    }
    case ordered_json::value_t::object: {
      model::Array a;
      for (auto it = j.begin(); it != j.end(); ++it) {
        a.set(model::normalise_key(it.key()), from_json(it.value()));
      }
      return model::Value{std::move(a)};
    }
    default: return model::Value{};
  }
}

/// JSON values nest at most this deep: a bound on the recursion of from_json and of nlohmann's
/// own destructors (a fuzzer found that 100,000 nested brackets overflow the stack). Scenario
/// values are written by hand; stored sessions (`store` lines) may nest to decode_depth_max.
constexpr std::size_t json_depth_max = 64;

bool json_depth_ok(const std::string& text) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > json_depth_max) return false;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return true;
}

/// A '#' between a letter and a digit is a `fault` line's occurrence (`read#2`), not a comment.
bool occurrence_mark(const std::string& raw, std::size_t i) {
  return i > 0 && i + 1 < raw.size() && std::isalpha(static_cast<unsigned char>(raw[i - 1])) &&
         std::isdigit(static_cast<unsigned char>(raw[i + 1]));
}

/// Removes a trailing comment ('#' outside a JSON string) and surrounding blanks.
std::string strip(const std::string& raw) {
  bool in_string = false;
  std::size_t end = raw.size();
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (in_string && c == '\\') {
      ++i;
    } else if (c == '"') {
      in_string = !in_string;
    } else if (c == '#' && !in_string && !occurrence_mark(raw, i)) {
      end = i;
      break;
    }
  }
  std::string s = raw.substr(0, end);
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

/// Splits off the next token of `rest`: a JSON string (kept with its quotes) or a run of
/// non-blanks. Only the view advances, so a loop over the tokens of one line is linear in its
/// length (issue #14, D14: copying the rest per token made a 4 MB `expect calls` line take 48 s).
std::string_view next_token(std::string_view& rest) {
  std::size_t i = rest.find_first_not_of(" \t");
  if (i == std::string_view::npos) {
    rest = {};
    return {};
  }
  std::size_t j = i;
  if (rest[i] == '"') {
    for (j = i + 1; j < rest.size() && rest[j] != '"'; ++j) {
      if (rest[j] == '\\') ++j;
    }
    j = std::min(j + 1, rest.size());
  } else {
    while (j < rest.size() && rest[j] != ' ' && rest[j] != '\t') ++j;
  }
  const std::string_view tok = rest.substr(i, j - i);
  rest.remove_prefix(j);
  return tok;
}

/// The same for a line kept as a string (statements that take one or two tokens).
std::string next_token(std::string& rest) {
  std::string_view view = rest;
  std::string tok(next_token(view));
  rest.erase(0, rest.size() - view.size());
  return tok;
}

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

class Parser {
 public:
  Parser(const std::string& text, const std::string& file) : text_(text), file_(file) {}
  std::variant<Scenario, ParseError> run();

 private:
  bool error(std::string message) {
    err_ = ParseError{file_, line_no_, std::move(message)};
    return false;
  }
  bool header(const std::string& word, std::string rest);
  bool request(std::string rest);
  bool verdict(std::string rest);
  bool step(const std::string& word, std::string rest);
  bool call(const std::string& word, std::string rest, model::ScriptCall& c);
  bool deferred(std::string rest, model::ScriptCall& out);
  bool expect(std::string rest, const std::string& qualifiers);
  bool fault(std::string rest);
  bool fault_answer(std::string rest, model::Fault& f);
  bool json_value(const std::string& text, model::Value& out, const std::string& what);
  bool json_string(const std::string& tok, std::string& out, const std::string& what);
  bool key(std::string& rest, model::Key& out);
  bool options(std::string rest, std::map<std::string, std::string>& out);

  const std::string& text_;
  std::string file_;
  int line_no_ = 0;
  Scenario sc_;
  std::optional<ParseError> err_;
  int batch_ = 0;
  bool concurrent_ = false;
};

bool Parser::json_value(const std::string& text, model::Value& out, const std::string& what) {
  // php:"..." is a PHP serialize() string: objects (stdClass, or a class PHP will not know:
  // __PHP_Incomplete_Class), floats and arrays exactly as PHP writes them.
  if (text.rfind("php:", 0) == 0) {
    std::string bytes;
    if (!json_string(text.substr(4), bytes, what + " (php:\"<serialize() text>\")")) return false;
    auto parsed = model::unserialize(bytes);
    if (auto* err = std::get_if<model::DecodeError>(&parsed)) {
      return error(what + " is not a serialize() string: " + err->message);
    }
    out = std::get<model::Value>(std::move(parsed));
    return true;
  }
  if (!json_depth_ok(text)) {
    return error(what + " nests deeper than " + std::to_string(json_depth_max) + " levels");
  }
  ordered_json j = ordered_json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    return error("expected " + what + " as a JSON literal, got '" + text + "'");
  }
  out = from_json(j);
  return true;
}

bool Parser::json_string(const std::string& tok, std::string& out, const std::string& what) {
  ordered_json j = ordered_json::parse(tok, nullptr, false);
  if (j.is_discarded() || !j.is_string()) {
    return error("expected " + what + " as a JSON string, got '" + tok + "'");
  }
  out = j.get<std::string>();
  return true;
}

bool Parser::key(std::string& rest, model::Key& out) {
  const std::string tok = next_token(rest);
  if (tok.empty()) return error("expected a $_SESSION key");
  if (tok[0] == '"') {
    std::string s;
    if (!json_string(tok, s, "a key")) return false;
    out = model::normalise_key(s);
    return true;
  }
  const bool bare = (std::isalpha(static_cast<unsigned char>(tok[0])) || tok[0] == '_');
  for (char c : tok) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) {
      return error("expected a key (bare word, integer or JSON string), got '" + tok + "'");
    }
  }
  if (!bare) {
    auto k = model::normalise_key(tok);
    if (!std::holds_alternative<std::int64_t>(k)) {
      return error("expected a key (bare word, integer or JSON string), got '" + tok + "'");
    }
    out = k;
    return true;
  }
  out = tok;
  return true;
}

bool Parser::options(std::string rest, std::map<std::string, std::string>& out) {
  std::string_view cursor = rest;
  for (std::string tok(next_token(cursor)); !tok.empty(); tok = next_token(cursor)) {
    const auto eq = tok.find('=');
    if (eq == std::string::npos || eq == 0) return error("expected KEY=VALUE, got '" + tok + "'");
    std::string value = tok.substr(eq + 1);
    if (!value.empty() && value[0] == '"' && !json_string(value, value, "an option value")) {
      return false;
    }
    out[tok.substr(0, eq)] = value;
  }
  return true;
}

bool Parser::header(const std::string& word, std::string rest) {
  if (word == "scenario") {
    sc_.name = trim(rest);
    if (sc_.name.empty()) return error("expected a name after 'scenario'");
    return true;
  }
  if (word == "ini") {
    std::map<std::string, std::string> opts;
    if (!options(rest, opts)) return false;
    model::RunOptions probe;
    for (const auto& [k, v] : opts) {
      if (auto e = probe.set(k, v)) return error(*e);
      sc_.ini.emplace_back(k, v);
    }
    return true;
  }
  if (word == "variant") {
    auto v = model::parse_variant(trim(rest));
    if (!v) {
      return error(
          "expected variant full, basic, sessionhandler, no-create-sid or no-timestamp, "
          "got '" +
          trim(rest) + "'");
    }
    sc_.variant = *v;
    return true;
  }
  if (word == "clock") {
    try {
      sc_.clock_start_s = std::stoll(trim(rest));
    } catch (...) {
      return error("expected seconds after 'clock', got '" + trim(rest) + "'");
    }
    return true;
  }
  if (word == "faults") {
    sc_.faults = trim(rest);
    if (sc_.faults.empty()) return error("expected 'faults KIND[,KIND...]'");
    return true;
  }
  if (word == "store") {
    StoredSeed seed;
    seed.id = next_token(rest);
    if (seed.id.empty()) return error("expected 'store ID DATA [age_s=N]'");
    if (!json_string(next_token(rest), seed.data, "the stored data")) return false;
    std::map<std::string, std::string> opts;
    if (!options(rest, opts)) return false;
    for (const auto& [k, v] : opts) {
      if (k != "age_s") return error("unknown store option '" + k + "' (want age_s=N)");
      try {
        seed.age_s = std::stoll(v);
      } catch (...) {
        return error("expected seconds in age_s=, got '" + v + "'");
      }
    }
    sc_.store.push_back(std::move(seed));
    return true;
  }
  if (word == "fault") return error("'fault' belongs inside a request (after its 'request' line)");
  return error(
      "unknown statement '" + word +
      "' (before the first request: scenario, ini, variant, clock, store, faults or request)");
}

bool Parser::verdict(std::string rest) {
  Verdict v;
  v.line = line_no_;
  v.engine = next_token(rest);
  v.handler = next_token(rest);
  v.outcome = next_token(rest);
  v.property = trim(rest);
  if (v.engine.empty() || v.handler.empty() ||
      (v.outcome != "pass" && v.outcome != "fail" && v.outcome != "finding")) {
    return error("expected 'verdict ENGINE HANDLER pass|fail|finding [PROPERTY]'");
  }
  sc_.verdicts.push_back(std::move(v));
  return true;
}

bool Parser::request(std::string rest) {
  if (sc_.requests.size() >= requests_max) return error("too many requests");
  Request r;
  r.line = line_no_;
  std::map<std::string, std::string> opts;
  if (!options(rest, opts)) return false;
  for (const auto& [k, v] : opts) {
    if (k == "cookie") {
      r.cookie_mode = v == "none" ? Request::CookieMode::none : Request::CookieMode::explicit_id;
      r.cookie = v;
    } else if (k == "name") {
      r.name = v;
    } else if (k == "register_shutdown" && (v == "0" || v == "1")) {
      r.register_shutdown = v == "1";
    } else if (k == "query") {
      r.query = v;
    } else {
      return error("unknown request option '" + k + "=" + v +
                   "' (want cookie=ID|none, name=NAME, query=ID or register_shutdown=0|1)");
    }
  }
  if (r.name.empty()) r.name = "r" + std::to_string(sc_.requests.size() + 1);
  r.batch = concurrent_ ? batch_ : ++batch_;
  sc_.requests.push_back(std::move(r));
  return true;
}

bool Parser::step(const std::string& word, std::string rest) {
  Request& req = sc_.requests.back();
  if (req.steps.size() >= steps_per_request_max) return error("too many calls in one request");
  Step st;
  st.line = line_no_;
  if (!call(word, rest, st.call)) return false;
  st.source = trim(word + " " + trim(rest));
  req.steps.push_back(std::move(st));
  return true;
}

/// `on_shutdown CALL`: CALL is any script call that can run in a shutdown function.
bool Parser::deferred(std::string rest, model::ScriptCall& out) {
  const std::string word = next_token(rest);
  const auto op = model::parse_op(word);
  if (word.empty() || (op && (*op == Op::on_shutdown || *op == Op::exit_ || *op == Op::fatal ||
                              *op == Op::exhaust_memory || *op == Op::yield || *op == Op::advance ||
                              *op == Op::session_register_shutdown))) {
    return error(
        "expected 'on_shutdown CALL' with a session function or $_SESSION operation, got '" + word +
        "'");
  }
  model::ScriptCall inner;
  if (!call(word, rest, inner)) return false;
  out.deferred.push_back(std::move(inner));
  return true;
}

/// One script call's words (the step line without expectations).
bool Parser::call(const std::string& word, std::string rest, model::ScriptCall& c) {
  auto op = model::parse_op(word);
  if (!op) return error("unknown script call '" + word + "' (see docs/scenario-format.md)");
  Step st;
  st.call.op = *op;
  switch (*op) {
    case Op::session_start:
      if (!options(rest, st.call.options)) return false;
      for (const auto& [k, v] : st.call.options) {
        model::RunOptions probe;
        if (auto e = probe.set(k, v)) return error("session_start: " + *e);
      }
      break;
    case Op::session_regenerate_id: {
      const std::string t = trim(rest);
      if (t != "" && t != "true" && t != "false")
        return error("expected true or false, got '" + t + "'");
      st.call.flag = t == "true";
      break;
    }
    case Op::on_shutdown:
      if (!deferred(rest, st.call)) return false;
      break;
    case Op::ini_get:
    case Op::ini_set: {
      const std::string key = next_token(rest);
      if (key.empty() || key[0] == '"')
        return error("expected a session ini name after '" + word + "'");
      st.call.text = key;
      if (*op == Op::ini_get) break;
      std::string value = trim(rest);
      if (value.empty()) return error("expected a value after 'ini_set " + key + "'");
      if (value[0] == '"' && !json_string(value, value, "the ini value")) return false;
      st.call.options["value"] = value;
      rest.clear();
      break;
    }
    case Op::session_decode:
    case Op::throw_:
    case Op::fatal:
    case Op::session_id:
    case Op::session_create_id: {
      const std::string tok = next_token(rest);
      if (!tok.empty()) {
        std::string v;
        if (!json_string(tok, v, "the argument")) return false;
        st.call.text = v;
      }
      break;
    }
    case Op::set:
    case Op::push:
      if (!key(rest, st.call.key)) return false;
      if (trim(rest).empty()) return error("expected a value after the key");
      if (!json_value(trim(rest), st.call.value, "the value")) return false;
      break;
    case Op::incr:
    case Op::unset:
    case Op::get:
      if (!key(rest, st.call.key)) return false;
      break;
    case Op::advance: try { st.call.seconds = std::stoll(trim(rest));
      } catch (...) {
        return error("expected seconds after 'advance', got '" + trim(rest) + "'");
      }
      if (st.call.seconds < 0) return error("advance: the clock only moves forward");
      break;
    default:
      if (!trim(rest).empty()) return error("'" + word + "' takes no arguments");
      break;
  }
  c = std::move(st.call);
  return true;
}

bool Parser::expect(std::string rest, const std::string& qualifiers) {
  Request& req = sc_.requests.back();
  const std::string what = next_token(rest);
  Expectation e;
  e.line = line_no_;
  // `expect@A,B`: engine profiles and handler variants, in any order.
  for (std::size_t pos = 0; !qualifiers.empty() && pos <= qualifiers.size();) {
    std::size_t comma = std::min(qualifiers.find(',', pos), qualifiers.size());
    const std::string one = qualifiers.substr(pos, comma - pos);
    if (model::parse_engine(one)) {
      e.engine += (e.engine.empty() ? "" : ",") + one;
    } else if (auto v = model::parse_variant(one)) {
      e.variants.push_back(*v);
    } else {
      return error("unknown engine or variant '" + one +
                   "' in expect@ (engines php-8.2, php-legacy, zealphp; variants full, basic, "
                   "sessionhandler, no-create-sid, no-timestamp)");
    }
    pos = comma + 1;
  }
  if (what == "cookies") {
    e.kind = Expectation::Kind::cookies;
    try {
      e.count = std::stoll(trim(rest));
    } catch (...) {
      return error("expected a number after 'expect cookies'");
    }
    req.expects.push_back(std::move(e));
    return true;
  }
  if (req.steps.empty()) return error("'expect " + what + "' needs a script call above it");
  if (what == "calls") {
    e.kind = Expectation::Kind::calls;
    std::string_view cursor = rest;
    for (std::string_view t = next_token(cursor); !t.empty(); t = next_token(cursor)) {
      if (!model::parse_method(t)) return error("unknown handler method '" + std::string(t) + "'");
      e.calls.emplace_back(t);
    }
  } else if (what == "result") {
    e.kind = Expectation::Kind::result;
    if (!json_value(trim(rest), e.value, "the result")) return false;
  } else if (what == "session") {
    e.kind = Expectation::Kind::session;
    if (!json_value(trim(rest), e.value, "the session")) return false;
    e.session_unset = e.value.is_null();
    if (!e.session_unset && !std::holds_alternative<model::Array>(e.value.v)) {
      return error("expected a JSON object, array or null after 'expect session'");
    }
  } else if (what == "status") {
    e.kind = Expectation::Kind::status;
    e.text = trim(rest);
    if (e.text != "none" && e.text != "active") return error("expected status none or active");
  } else if (what == "diagnostic") {
    e.kind = Expectation::Kind::diagnostic;
    if (!json_string(trim(rest), e.text, "the diagnostic text")) return false;
  } else if (what == "no-diagnostic") {
    e.kind = Expectation::Kind::no_diagnostic;
  } else {
    return error("unknown expectation '" + what +
                 "' (want calls, result, session, status, diagnostic, no-diagnostic or cookies)");
  }
  req.steps.back().expects.push_back(std::move(e));
  return true;
}

/// `fault METHOD[#N] ANSWER`: the Nth call of METHOD in this request answers ANSWER.
bool Parser::fault(std::string rest) {
  Request& req = sc_.requests.back();
  if (req.faults.size() >= model::faults_per_request_max) return error("too many faults");
  model::Fault f;
  f.source = "fault " + trim(rest);
  const std::string target = next_token(rest);
  std::string why;
  const auto at = model::parse_fault_target(target, why);
  if (!at) {
    if (why.rfind("expected a handler method", 0) == 0) {
      return error("expected 'fault METHOD[#N] ANSWER' with a handler method, got '" + target +
                   "'");
    }
    return error(why);
  }
  f.method = at->method;
  f.occurrence = at->occurrence;
  for (const auto& other : req.faults) {
    if (other.method == f.method && other.occurrence == f.occurrence) {
      return error("a second fault for " + target + " in the same request");
    }
  }
  if (!fault_answer(trim(rest), f)) return false;
  req.faults.push_back(std::move(f));
  return true;
}

/// ANSWER: a JSON literal, `object`, `throw ["message"]` or `timeout`.
bool Parser::fault_answer(std::string rest, model::Fault& f) {
  const std::string word = next_token(rest);
  if (word.empty()) return error("expected an answer after '" + f.source + "'");
  if (word == "throw") {
    std::string message = "injected";
    const std::string tok = trim(rest);
    if (!tok.empty() && !json_string(tok, message, "the exception message")) return false;
    f.answer = model::Answer::exception_("RuntimeException: " + message);
  } else if (word == "timeout" || word == "object") {
    if (!trim(rest).empty()) return error("'" + word + "' takes nothing after it");
    f.answer = word == "timeout"
                   ? model::Answer::failure_("no answer (timeout)")
                   : model::Answer::other_(model::Value{model::Object{"stdClass", {}}});
  } else {
    model::Value v;
    if (!json_value(trim(word + " " + rest), v,
                    "the answer (a JSON literal, object, throw or timeout)")) {
      return false;
    }
    f.answer = model::injected_answer(v);
  }
  f.answer.injected = true;
  return true;
}

std::variant<Scenario, ParseError> Parser::run() {
  sc_.file = file_;
  std::istringstream in(text_);
  std::string raw;
  while (std::getline(in, raw)) {
    ++line_no_;
    std::string rest = strip(raw);
    if (rest.empty()) continue;
    const std::string word = next_token(rest);
    bool ok = true;
    if (word == "request") {
      ok = request(rest);
    } else if (word == "concurrent" || word == "sequential") {
      // A concurrent block: the requests that follow overlap, until `sequential`.
      concurrent_ = word == "concurrent";
      if (concurrent_) ++batch_;
      ok = trim(rest).empty() || error("'" + word + "' takes no arguments");
    } else if (word == "verdict") {
      ok = verdict(rest);
    } else if (sc_.requests.empty()) {
      ok = header(word, rest);
    } else if (word == "expect") {
      ok = expect(rest, "");
    } else if (word == "fault") {
      ok = fault(rest);
    } else if (word.rfind("expect@", 0) == 0) {
      ok = expect(rest, word.substr(7));
    } else {
      ok = step(word, rest);
    }
    if (!ok) return *err_;
  }
  if (sc_.requests.empty()) {
    return ParseError{file_, line_no_, "expected at least one 'request'"};
  }
  if (sc_.name.empty()) {
    std::string base = file_.substr(file_.find_last_of('/') + 1);
    if (base.size() > 4 && base.substr(base.size() - 4) == ".scn") base.resize(base.size() - 4);
    sc_.name = base;
  }
  return sc_;
}

}  // namespace

std::variant<Scenario, ParseError> parse_scenario(const std::string& text,
                                                  const std::string& file) {
  if (text.size() > scenario_bytes_max) return ParseError{file, 0, "file too large"};
  Parser p(text, file);
  return p.run();
}

std::variant<Scenario, ParseError> load_scenario(const std::string& path) {
  // An ifstream opens a directory and reads nothing from it, which would parse as an empty
  // scenario ("expected at least one 'request'").
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return ParseError{path, 0, "is a directory, not a scenario file"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return ParseError{path, 0, "cannot open scenario file"};
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > scenario_bytes_max) return ParseError{path, 0, "file too large"};
  }
  return parse_scenario(text, path);
}

std::optional<model::Value> parse_value_literal(const std::string& text, std::string& error) {
  if (!json_depth_ok(text)) {
    error = "JSON literal nests deeper than " + std::to_string(json_depth_max) + " levels";
    return std::nullopt;
  }
  ordered_json j = ordered_json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    error = "malformed JSON literal '" + text + "'";
    return std::nullopt;
  }
  return from_json(j);
}

bool faults_can_strike(const Scenario& sc, model::Variant v) {
  const model::Capabilities has = model::capabilities_of(v);
  for (const Request& req : sc.requests) {
    for (const model::Fault& f : req.faults) {
      const bool missing = (f.method == model::Method::create_sid && !has.create_sid) ||
                           (f.method == model::Method::validate_id && !has.validate_id) ||
                           (f.method == model::Method::update_timestamp && !has.update_timestamp);
      if (missing) return false;
    }
  }
  return true;
}

}  // namespace ss::scenarios
