#include "oracle/program.hpp"

#include "model/codec.hpp"
#include "scenarios/events.hpp"
#include "scenarios/trace.hpp"

namespace ss::oracle {

using nlohmann::json;

json call_program(const model::ScriptCall& c) {
  using model::Op;
  bool bin = false;
  json j = {{"op", std::string(model::op_name(c.op))}};
  auto key = [&]() -> json {
    if (const auto* i = std::get_if<std::int64_t>(&c.key)) return *i;
    return scenarios::bytes_json(std::get<std::string>(c.key), bin);
  };
  switch (c.op) {
    case Op::session_start:
      if (!c.options.empty()) j["options"] = c.options;
      break;
    case Op::session_regenerate_id: j["delete"] = c.flag; break;
    case Op::session_id:
      if (c.text) j["id"] = scenarios::bytes_json(*c.text, bin);
      break;
    case Op::session_create_id:
      if (c.text) j["prefix"] = scenarios::bytes_json(*c.text, bin);
      break;
    case Op::set:
    case Op::push:
      j["key"] = key();
      j["value"] = scenarios::bytes_json(model::serialize(c.value), bin);
      break;
    case Op::incr:
    case Op::unset:
    case Op::get: j["key"] = key(); break;
    case Op::advance: j["seconds"] = c.seconds; break;
    case Op::throw_:
    case Op::fatal:
      if (c.text) j["message"] = scenarios::bytes_json(*c.text, bin);
      break;
    case Op::session_decode: j["data"] = scenarios::bytes_json(c.text.value_or(""), bin); break;
    case Op::ini_get: j["key"] = c.text.value_or(""); break;
    case Op::ini_set:
      j["key"] = c.text.value_or("");
      j["value"] =
          scenarios::bytes_json(c.options.count("value") ? c.options.at("value") : "", bin);
      break;
    case Op::on_shutdown:
      j["call"] = call_program(c.deferred.at(0));
      j["text"] = scenarios::bytes_json(scenarios::deferred_text(c.deferred.at(0)), bin);
      break;
    default: break;
  }
  if (bin) j["bin"] = true;
  return j;
}

json fault_program(const model::Fault& f) {
  bool bin = false;
  json j = {{"method", std::string(model::method_name(f.method))}, {"n", f.occurrence}};
  const std::string prefix = "RuntimeException: ";
  if (f.answer.kind == model::Answer::Kind::exception) {
    const std::string& r = f.answer.reason;
    j["throw"] = scenarios::bytes_json(r.rfind(prefix, 0) == 0 ? r.substr(prefix.size()) : r, bin);
  } else if (f.answer.kind == model::Answer::Kind::failure) {
    j["timeout"] = true;
  } else {
    j["return"] = scenarios::bytes_json(model::serialize(model::answer_value(f.answer)), bin);
  }
  if (bin) j["bin"] = true;
  return j;
}

json seeds_program(const std::vector<scenarios::StoredSeed>& seeds) {
  json out = json::array();
  for (const auto& s : seeds) {
    bool bin = false;
    json one = {{"id", s.id}, {"data", scenarios::bytes_json(s.data, bin)}, {"age_s", s.age_s}};
    if (bin) one["bin"] = true;
    out.push_back(one);
  }
  return out;
}

json request_program(const ProgramContext& ctx, std::size_t index,
                     const std::optional<std::string>& cookie, std::int64_t now_s, int seq_start) {
  const scenarios::Scenario& sc = *ctx.sc;
  json prog = {{"scenario", sc.name},
               {"request", static_cast<int>(index) + 1},
               {"seq_start", seq_start},
               {"variant", ctx.variant},
               {"ini", ctx.ini},
               {"store_file", ctx.store_file},
               {"now", now_s}};
  bool bin = false;
  prog["cookie"] = cookie ? scenarios::bytes_json(*cookie, bin) : json(nullptr);
  if (bin) prog["bin"] = true;
  if (ctx.module) {
    prog["module"] = ctx.module->module;
    for (const auto& [key, value] : ctx.module->ini) prog["ini"][key] = value;
    // Every scenario starts from an empty store (the module keeps what earlier ones left).
    prog["fresh"] = index == 0;
  }
  if (index == 0) prog["seed"] = seeds_program(sc.store);
  json calls = json::array();
  const scenarios::Request& req = sc.requests[index];
  for (const auto& st : req.steps) calls.push_back(call_program(st.call));
  prog["calls"] = calls;
  json faults = json::array();
  for (const auto& f : req.faults) faults.push_back(fault_program(f));
  if (!faults.empty()) prog["faults"] = faults;
  if (!req.register_shutdown) prog["register_shutdown"] = false;
  if (req.query) prog["query"] = *req.query;
  return prog;
}

json reset_store_program(const ModuleSetup& store, const json& ini,
                         const std::vector<scenarios::StoredSeed>& seeds, std::int64_t now_s) {
  return {{"scenario", "reset-store"},
          {"variant", "sessionhandler"},
          {"module", store.module},
          {"ini", ini},
          {"now", now_s},
          {"fresh", true},
          {"seed", seeds_program(seeds)},
          {"calls", json::array()}};
}

}  // namespace ss::oracle
