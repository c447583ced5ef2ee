#pragma once
// The certificate as the `certify` verb prints it (cli/certificate_table.cpp).

#include <cstdio>

#include "certify/certificate.hpp"

namespace ss::cli {

/// Prints `c` to `out`: the guarantees each user class declared, a row per line (handler,
/// property, verdict, first line of the evidence) with the row's replay lines, the counts and,
/// for a run cut short by --fail-fast, that it is incomplete. `colour` paints the verdicts.
void print_certificate_table(std::FILE* out, const certify::Certificate& c, bool colour);

}  // namespace ss::cli
