#include "certify/sid_check.hpp"

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cmath>
#include <cstdio>
#include <map>

#include "handlers/clock.hpp"
#include "model/options.hpp"

namespace ss::certify {

namespace {

/// The estimate may fall this far short of what the ini asks: it is itself low by well under 1%
/// for 1,000 ids, and a handler with 128 bits of hexadecimal under the default 130 is not weak.
constexpr double entropy_shortfall_max = 0.10;

std::string one_decimal(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", v);
  return text;
}

}  // namespace

ContractSuite create_sid_suite() {
  return {"L2.create-sid", "create_sid: 1,000 ids unique across processes, entropy of the ini",
          "php-8.2"};
}

double estimated_entropy_bits(const std::vector<std::string>& ids) {
  std::size_t length_max = 0;
  for (const auto& id : ids) length_max = std::max(length_max, id.size());
  double total = 0;
  for (std::size_t pos = 0; pos < length_max; ++pos) {
    std::array<std::size_t, 257> counts{};  // 256: the id has ended
    for (const auto& id : ids) {
      ++counts[pos < id.size() ? static_cast<unsigned char>(id[pos]) : 256];
    }
    for (const std::size_t c : counts) {
      if (c == 0) continue;
      const double p = static_cast<double>(c) / static_cast<double>(ids.size());
      total -= p * std::log2(p);
    }
  }
  return total;
}

ContractResult judge_sids(const std::vector<std::string>& ids, std::size_t per_process,
                          std::int64_t sid_length, std::int64_t bits_per_character) {
  ContractResult out;
  std::map<std::string, std::size_t> first;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto [it, fresh] = first.emplace(ids[i], i);
    if (fresh) continue;
    const auto where = [per_process](std::size_t n) {
      return "call " + std::to_string(n % per_process + 1) + " of process " +
             std::to_string(n / per_process + 1);
    };
    out.evidence = "create_sid repeated the id '" + ids[i] + "' (" + where(it->second) + ", " +
                   where(i) + "): two visitors would share one session";
    return out;
  }
  const double bits = estimated_entropy_bits(ids);
  const auto asked = static_cast<double>(sid_length * bits_per_character);
  const std::string ini =
      " (session.sid_length=" + std::to_string(sid_length) +
      " x session.sid_bits_per_character=" + std::to_string(bits_per_character) + ")";
  const std::string sample = std::to_string(ids.size()) + " ids, e.g. '" +
                             (ids.empty() ? std::string() : ids.front()) + "'";
  if (bits < asked * (1 - entropy_shortfall_max)) {
    out.evidence = "about " + one_decimal(bits) +
                   " bits of entropy per id where the ini asks for " + one_decimal(asked) + ini +
                   ": far fewer guesses find a session than the ini promises; " + sample;
    return out;
  }
  out.passed = true;
  out.cases = ids.size();
  out.evidence = sample + ", unique across " +
                 std::to_string((ids.size() + per_process - 1) / per_process) +
                 " processes, about " + one_decimal(bits) +
                 " bits of entropy each (the ini asks for " + one_decimal(asked) + ")";
  return out;
}

namespace {

/// One request of a fresh backend: open, `count` create_sid calls, close.
handlers::Task<std::optional<std::string>> draw_sids(handlers::Backend& backend,
                                                     handlers::Clock& clock, std::size_t count,
                                                     std::vector<std::string>& ids) {
  auto h = backend.connect({&clock, nullptr, 1});
  // Named first: g++ 12 mishandles temporaries that outlive a suspension inside co_await.
  const model::RunOptions ini;
  std::string save_path = ini.save_path;
  std::string name = ini.name;
  if (auto s = co_await h->open(std::move(save_path), std::move(name)); !s) {
    co_return "open: " + s.error().reason;
  }
  for (std::size_t i = 0; i < count; ++i) {
    auto id = co_await h->create_sid();
    if (!id) co_return "create_sid: " + id.error().reason;
    ids.push_back(std::move(id.value()));
  }
  (void)co_await h->close();
  co_return std::nullopt;
}

}  // namespace

std::optional<std::string> backend_sids(const sched::BackendFactory& factory, std::uint64_t seed,
                                        std::size_t count, std::size_t per_process,
                                        std::vector<std::string>& ids) {
  for (std::size_t made = 0; made < count; made += per_process) {
    handlers::ManualClock clock(0);
    auto backend = factory(clock, seed + made / per_process);
    if (!backend) return "cannot make the backend: " + backend.error().reason;
    boost::asio::io_context io;
    std::optional<std::string> error;
    boost::asio::co_spawn(
        io, draw_sids(*backend.value(), clock, std::min(per_process, count - made), ids),
        [&error](std::exception_ptr p, std::optional<std::string> e) {
          error = p ? std::optional<std::string>("create_sid threw") : std::move(e);
        });
    io.run();
    if (error) return error;
  }
  return std::nullopt;
}

}  // namespace ss::certify
