#include "scenarios/trace.hpp"

#include "model/codec.hpp"

namespace ss::scenarios {

using nlohmann::json;

json bytes_json(const std::string& bytes, bool& bin) {
  std::string utf8;
  utf8.reserve(bytes.size());
  for (unsigned char c : bytes) {
    if (c < 0x80) {
      utf8 += static_cast<char>(c);
    } else {
      bin = true;
      utf8 += static_cast<char>(0xC0 | (c >> 6));
      utf8 += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  return json(utf8);
}

std::string json_bytes(const json& j, bool bin) {
  const std::string s = j.get<std::string>();
  if (!bin) return s;
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0xC0 && c <= 0xC3 && i + 1 < s.size()) {
      out += static_cast<char>(((c & 0x03) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3F));
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

json value_json(const model::Value& v, bool& bin) {
  return std::visit(
      [&](const auto& x) -> json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else if constexpr (std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t>) {
          return x;
        } else if constexpr (std::is_same_v<T, std::string>) {
          return bytes_json(x, bin);
        } else {
          return json{{"php", bytes_json(model::serialize(v), bin)}};
        }
      },
      v.v);
}

json answer_json(const model::Answer& a, bool& bin) {
  switch (a.kind) {
    case model::Answer::Kind::boolean: return a.b;
    case model::Answer::Kind::string: return bytes_json(a.s, bin);
    case model::Answer::Kind::integer: return a.n;
    case model::Answer::Kind::failure: return json{{"error", bytes_json(a.reason, bin)}};
    case model::Answer::Kind::exception: return json{{"exception", bytes_json(a.reason, bin)}};
    case model::Answer::Kind::other: return value_json(a.other, bin);
  }
  return nullptr;
}

namespace {

void add_state(json& j, const Event& e, bool& bin) {
  j["status"] = e.status == model::Status::active ? "active" : "none";
  j["id"] = bytes_json(e.id, bin);
  if (e.session) {
    j["session"] = bytes_json(model::serialize(model::Value{*e.session}), bin);
  } else {
    j["session"] = nullptr;
  }
  json diags = json::array();
  for (const auto& d : e.outcome.diagnostics) {
    diags.push_back({{"level", model::level_name(d.level)}, {"message", bytes_json(d.message, bin)}});
  }
  j["diagnostics"] = diags;
}

json handler_args(const model::HandlerCall& c, bool& bin) {
  json args = json::array();
  for (const auto& a : c.args) {
    if (c.method == model::Method::gc) {
      args.push_back(std::stoll(a));
    } else {
      args.push_back(bytes_json(a, bin));
    }
  }
  return args;
}

}  // namespace

json event_json(const Event& e) {
  bool bin = false;
  json j = {{"v", trace_schema_version}, {"scenario", e.scenario}, {"request", e.request},
            {"seq", e.seq}, {"step", e.step}, {"kind", event_kind_name(e.kind)}};
  if (!e.lane.empty()) j["lane"] = e.lane;
  json args = json::array();
  json result = nullptr;
  std::string name;
  switch (e.kind) {
    case EventKind::run:
      name = "run";
      j["engine"] = e.engine;
      j["handler"] = e.handler;
      j["variant"] = e.variant;
      j["ini"] = e.ini;
      j["seed"] = e.seed;
      if (!e.schedule.empty()) j["schedule"] = e.schedule;
      if (!e.trace_hash.empty()) j["trace_hash"] = e.trace_hash;
      break;
    case EventKind::request:
      name = "request";
      args.push_back(e.cookie ? bytes_json(*e.cookie, bin) : json(nullptr));
      break;
    case EventKind::script:
      name = std::string(model::op_name(e.call->op));
      if (e.call->op == model::Op::session_start) {
        // Options are an object of ini strings, as in the scenario line.
        if (!e.call->options.empty()) args.push_back(json(e.call->options));
      } else {
        for (const auto& v : script_args(*e.call)) args.push_back(value_json(v, bin));
      }
      result = e.outcome.thrown ? json{{"error", bytes_json(*e.outcome.thrown, bin)}}
                                : value_json(e.outcome.result, bin);
      add_state(j, e, bin);
      break;
    case EventKind::handler:
      name = std::string(model::method_name(e.hcall.method));
      args = handler_args(e.hcall, bin);
      result = answer_json(e.answer, bin);
      if (e.answer.injected) j["injected"] = true;
      break;
    case EventKind::response: {
      name = "end";
      json cookies = json::array();
      for (const auto& c : e.set_cookies) cookies.push_back(bytes_json(c, bin));
      j["set_cookie"] = cookies;
      add_state(j, e, bin);
      break;
    }
  }
  j["name"] = name;
  j["args"] = args;
  j["result"] = result;
  if (bin) j["bin"] = true;
  return j;
}

void JsonTraceWriter::on_event(const Event& e) {
  // ensure_ascii: every non-ASCII code point is written as \u00XX, as the format promises.
  out_ << event_json(e).dump(-1, ' ', true) << '\n';
}

namespace {

std::string php_key(const model::Key& k) { return "$_SESSION[" + model::show(k) + "]"; }

/// Renders an echo of a value the way a script printing it would show it.
std::string echo_text(const model::Value& v) {
  if (const auto* s = std::get_if<std::string>(&v.v)) return *s;
  return model::show(v);
}

}  // namespace

std::string php_syntax(const model::ScriptCall& call) {
  using model::Op;
  switch (call.op) {
    case Op::set: return php_key(call.key) + " = " + model::show(call.value) + ";";
    case Op::push: return php_key(call.key) + "[] = " + model::show(call.value) + ";";
    case Op::incr: return php_key(call.key) + "++;";
    case Op::unset: return "unset(" + php_key(call.key) + ");";
    case Op::get: return "echo " + php_key(call.key) + ";";
    case Op::advance: return "// the clock moves " + std::to_string(call.seconds) + " s on";
    default: break;
  }
  std::string args;
  for (const auto& v : script_args(call)) {
    if (!args.empty()) args += ", ";
    args += model::show(v);
  }
  return std::string(model::op_name(call.op)) + "(" + args + ");";
}

void TextTraceWriter::on_event(const Event& e) {
  static const std::string gutter(22, ' ');
  switch (e.kind) {
    case EventKind::run:
      out_ << "== " << e.scenario << "  [engine " << e.engine << ", handler " << e.handler
           << ", variant " << e.variant << "]\n";
      break;
    case EventKind::request:
      out_ << "-- request " << e.request << " (cookie: " << e.cookie.value_or("none") << ")\n";
      break;
    case EventKind::script:
      out_ << php_syntax(*e.call) << "\n";
      if (e.call->op == model::Op::get) out_ << "    " << echo_text(e.outcome.result) << "\n";
      if (e.call->op != model::Op::get && !e.outcome.result.is_null()) {
        out_ << "    => " << model::show(e.outcome.result) << "\n";
      }
      if (e.outcome.thrown) out_ << "    !! uncaught " << *e.outcome.thrown << "\n";
      for (const auto& d : e.outcome.diagnostics) {
        out_ << "    " << model::level_name(d.level) << ": " << d.message << "\n";
      }
      break;
    case EventKind::handler:
      out_ << gutter << "# SessionHandler::" << model::show(e.hcall) << " = "
           << model::show(e.answer) << "\n";
      break;
    case EventKind::response:
      out_ << "(end of request)";
      if (!e.set_cookies.empty()) {
        out_ << "  Set-Cookie:";
        for (const auto& c : e.set_cookies) out_ << " PHPSESSID=" << c;
      }
      out_ << "\n";
      break;
  }
}

}  // namespace ss::scenarios
