#pragma once
// Shard records: what one shard of a sharded campaign ran (docs/scale-out.md). Each sharded
// verb writes one, shard.json, beside its outputs; `sessionspec merge` reads them back and
// checks that they are the shards of one campaign. The record is lossless where the verb's own
// output is not (certificate.json escapes bytes and rounds times), so that the merged outputs
// are made by the same writers as an unsharded run's.

#include <cstddef>
#include <ios>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/shard.hpp"
#include "certify/certificate.hpp"
#include "certify/mutants.hpp"

namespace ss::certify {

/// The file a shard writes into its output directory, and merge reads from each one.
inline constexpr const char* shard_file_name = "shard.json";

/// The row units of a sharded certify run. Rows are numbered across every target in the order
/// an unsharded run takes them; the runner asks take() for each and runs only those this shard
/// owns, noting where each row's L1 traces start and end in traces.jsonl.
struct RowShard {
  base::Shard shard;
  /// Rows numbered so far (every shard numbers every row).
  std::size_t next = 0;
  struct Taken {
    std::size_t unit = 0;
    std::streamoff trace_begin = 0;
    std::streamoff trace_end = 0;
  };
  /// The rows this shard ran, in order (one per row of the certificate).
  std::vector<Taken> taken;

  /// Numbers the next row; true when this shard runs it.
  bool take() { return shard.owns(next++); }
};

/// The head every shard record has: verb, tool, seed, what must agree between shards (`plan`),
/// the shard and the number of units of the whole campaign.
[[nodiscard]] nlohmann::json shard_head(const std::string& verb, std::uint64_t seed,
                                        nlohmann::json plan, const base::Shard& shard,
                                        std::size_t units_total);

/// certify's record: the plan's fingerprint, the certificate's head and handler records, and
/// each row losslessly with its unit and trace range.
[[nodiscard]] nlohmann::json certify_shard_record(const Plan& plan, const Certificate& c,
                                                  const RowShard& rows);
/// A row of a certify record, read back.
[[nodiscard]] Row row_from_record(const nlohmann::json& unit);
/// The certificate head and handler records of a certify record, read back (no rows).
[[nodiscard]] Certificate certificate_head_from_record(const nlohmann::json& record);

/// mutants' record: one unit per selected mutant, in catalogue order.
[[nodiscard]] nlohmann::json mutants_shard_record(const MutantsPlan& plan, const base::Shard& shard,
                                                  std::size_t units_total,
                                                  const std::vector<std::size_t>& units,
                                                  const std::vector<MutantRow>& rows);
/// A mutant row of a mutants record, read back.
[[nodiscard]] MutantRow mutant_row_from_record(const nlohmann::json& unit);

/// Writes `record` to DIR/shard.json; an error line when it cannot.
[[nodiscard]] std::optional<std::string> write_shard_record(const std::string& dir,
                                                            const nlohmann::json& record);

}  // namespace ss::certify
