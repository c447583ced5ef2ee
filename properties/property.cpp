#include "properties/property.hpp"

#include <rapidcheck.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <memory>
#include <sstream>
#include <unordered_map>

#include "properties/replay_token.hpp"

namespace ss::properties {

namespace {

/// Counts discarded cases and accepted shrinks; prints nothing (callers print format_failure()).
class ShrinkCounter final : public rc::detail::TestListener {
 public:
  void onTestCaseFinished(const rc::detail::CaseDescription& d) override {
    if (d.result.type == rc::detail::CaseResult::Type::Discard) ++discarded;
  }
  void onShrinkTried(const rc::detail::CaseDescription&, bool accepted) override {
    if (accepted) ++shrinks;
  }
  void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}
  int shrinks = 0;
  int discarded = 0;
};

/// Counterexamples as lines: the case's configuration, then one command per line.
std::string show_example(const rc::detail::Example& example) {
  std::string out;
  for (const auto& [type, value] : example) {
    const bool commands = type.find("Command<") != std::string::npos;
    out += "  " + (commands ? std::string("commands") : type) + ":";
    if (value.find('\n') == std::string::npos) {
      out += " " + value + "\n";
      continue;
    }
    std::size_t from = 0;
    while (from < value.size()) {
      const std::size_t nl = std::min(value.find('\n', from), value.size());
      if (nl > from) out += "\n    " + value.substr(from, nl - from);
      from = nl + 1;
    }
    out += "\n";
  }
  return out;
}

/// The replay string RC_PARAMS takes: RapidCheck's own encoding of (property id -> random
/// state, size, shrink path), so that RC_PARAMS="reproduce=..." replays it under GoogleTest too
/// when the ids match.
std::string reproduce_string(const std::string& id, const rc::detail::Reproduce& r) {
  rc::detail::Configuration config;
  config.reproduce[id] = r;
  // Keep only the reproduce= token: a seed does not matter when reproducing.
  const std::string all = rc::detail::configToMinimalString(config);
  const std::size_t at = all.find("reproduce=");
  if (at == std::string::npos) return all;
  return all.substr(at, all.find(' ', at) - at);
}

}  // namespace

std::string property_id(const PropertySpec& spec) {
  return "conformance/" + std::string(model::engine_name(spec.engine)) + "/" + spec.handler_uri;
}

rc::Gen<CaseConfig> gen_case(model::EngineKind engine) {
  // Lazy writes (PHP's default) in two cases of three, and the full interface (the only one
  // with updateTimestamp) in half: the touch path is where stale-data bugs live.
  // gc runs on every start or never: in between only adds draws the shrinker cannot simplify.
  return rc::gen::apply(
      [engine](bool lazy, bool strict, const std::string& serializer, std::int64_t gc,
               std::int64_t lifetime, const std::string& variant, std::uint64_t seed) {
        CaseConfig c;
        c.engine = engine;
        c.options.lazy_write = lazy;
        c.options.use_strict_mode = strict;
        (void)c.options.set("serialize_handler", serializer);
        c.options.gc_probability = gc;
        c.options.gc_divisor = 1;
        c.options.gc_maxlifetime = lifetime;
        c.variant = model::parse_variant(variant).value_or(model::Variant::full);
        c.seed = seed;
        return c;
      },
      rc::gen::element(true, true, false), rc::gen::element(false, true),
      rc::gen::element<std::string>("php", "php_serialize", "php_binary"),
      rc::gen::element<std::int64_t>(0, 1), rc::gen::element<std::int64_t>(1440, 100),
      rc::gen::element<std::string>("full", "full", "basic", "sessionhandler"),
      rc::gen::inRange<std::uint64_t>(1, 1u << 20));
}

void showValue(const CaseConfig& cfg, std::ostream& os) {
  os << describe(cfg);
}

namespace {

/// The property; when `last_trace` is set, each case's steps and calls go to it (replacing the
/// previous case's), so that after a replay it holds the reported case only: RapidCheck runs
/// the property at every step of the shrink path it replays.
std::function<void()> make_property(PropertySpec spec, std::shared_ptr<std::string> last_trace) {
  // Parsed once for every case; a URI that does not parse fails each case as its set-up.
  auto target = handlers::parse_handler_spec(spec.handler_uri);
  return [spec = std::move(spec), target = std::move(target), last_trace]() {
    const CaseConfig cfg = *gen_case(spec.engine);
    if (!target) {
      throw rc::detail::CaseResult(rc::detail::CaseResult::Type::Failure,
                                   describe(cfg) + "\nsetup: " + target.error().reason);
    }
    Harness h(cfg, target.value(), true, tolerances_for(target.value()));
    std::ostringstream trace;
    if (last_trace) h.trace_to(&trace);
    CaseSummary summary;
    const GenState initial{cfg.engine, h.overlap_allowed(), false};
    if (!h.failure()) {
      const auto commands = *rc::state::gen::commands(initial, &gen_command);
      summary.commands = commands.size();
      if (run_commands(commands, initial, h) == commands.size()) h.finish();
    }
    if (last_trace) *last_trace = describe(cfg) + "\n" + trace.str();
    summary.failure = h.failure();
    if (spec.on_case) spec.on_case(summary);
    if (h.failure()) {
      throw rc::detail::CaseResult(rc::detail::CaseResult::Type::Failure,
                                   describe(cfg) + "\n" + *h.failure());
    }
    if (h.inconclusive()) {
      throw rc::detail::CaseResult(rc::detail::CaseResult::Type::Discard, *h.inconclusive());
    }
  };
}

}  // namespace

std::function<void()> conformance_property(PropertySpec spec) {
  return make_property(std::move(spec), nullptr);
}

RunParams params_from_environment(const PropertySpec& spec) {
  const rc::detail::Configuration& config = rc::detail::configuration();
  RunParams p;
  p.seed = config.testParams.seed;
  p.max_success = config.testParams.maxSuccess;
  p.max_size = config.testParams.maxSize;
  p.shrink = !config.testParams.disableShrinking;
  const auto it = config.reproduce.find(property_id(spec));
  if (it != config.reproduce.end()) p.reproduce = reproduce_string(it->first, it->second);
  return p;
}

PropertyResult run_property(const PropertySpec& spec, const RunParams& params) {
  rc::detail::TestMetadata metadata;
  metadata.id = property_id(spec);
  metadata.description = metadata.id;
  rc::detail::TestParams tp;
  tp.seed = params.seed;
  tp.maxSuccess = params.max_success;
  tp.maxSize = params.max_size;
  tp.disableShrinking = !params.shrink;
  std::unordered_map<std::string, rc::detail::Reproduce> replay;
  if (!params.reproduce.empty()) {
    replay = rc::detail::configFromString(params.reproduce).reproduce;
  }
  ShrinkCounter listener;
  auto last_trace = spec.trace ? std::make_shared<std::string>() : nullptr;
  const auto result =
      rc::detail::checkTestable(make_property(spec, last_trace), metadata, tp, listener, replay);
  if (last_trace) *spec.trace << *last_trace;
  PropertyResult out;
  out.shrinks = listener.shrinks;
  out.discarded = listener.discarded;
  if (result.is<rc::detail::SuccessResult>()) {
    out.passed = true;
    out.cases = result.get<rc::detail::SuccessResult>().numSuccess;
  } else if (result.is<rc::detail::FailureResult>()) {
    const auto& bad = result.get<rc::detail::FailureResult>();
    out.cases = bad.numSuccess;
    out.description = bad.description;
    out.counterexample = show_example(bad.counterExample);
    out.reproduce = reproduce_string(metadata.id, bad.reproduce);
  } else if (result.is<rc::detail::GaveUpResult>()) {
    const auto& gave_up = result.get<rc::detail::GaveUpResult>();
    out.error = true;
    out.cases = gave_up.numSuccess;
    out.description = "gave up: " + gave_up.description;
  } else {
    out.error = true;
    out.description = "RapidCheck error: " + result.get<rc::detail::Error>().description;
  }
  return out;
}

std::string format_failure(const PropertySpec& spec, const RunParams& params,
                           const PropertyResult& r) {
  const std::string how =
      params.reproduce.empty() ? "seed=" + std::to_string(params.seed) : std::string("replayed");
  std::string out = "property " + property_id(spec) + " " + how + ": falsified after " +
                    std::to_string(r.cases) + " passing case(s) and " + std::to_string(r.shrinks) +
                    " shrink(s)\n";
  out += r.description + "\n";
  out += "counterexample:\n" + r.counterexample;
  out += "replay: " + replay_command(r.reproduce) + "\n";
  // Under GoogleTest (tests/properties) the same token replays through RapidCheck's variable.
  out += "  (or under GoogleTest: RC_PARAMS=\"" + r.reproduce + "\", property id " +
         property_id(spec) + ")\n";
  return out;
}

}  // namespace ss::properties
