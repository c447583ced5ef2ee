// canary_fuzz: a target with a planted bug, so that the fuzzing set-up itself is tested. It aborts
// when the input starts with "SESSION". The checks go byte by byte, so each matched byte is new
// coverage and libFuzzer walks to the crash in seconds; if it stops finding it, coverage
// instrumentation or the libFuzzer build is broken. The checked-in corpus never holds the crash,
// so fuzz_replay_canary_fuzz passes; fuzz_canary_finds (clang builds) asserts the crash is found.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Nested, not a loop: a loop would give every matched byte the same edges.
  if (size >= 7 && data[0] == 'S') {
    if (data[1] == 'E') {
      if (data[2] == 'S') {
        if (data[3] == 'S') {
          if (data[4] == 'I') {
            if (data[5] == 'O') {
              if (data[6] == 'N') {
                std::fprintf(stderr,
                             "canary_fuzz: the planted bug was found (input starts "
                             "with SESSION)\n");
                std::abort();
              }
            }
          }
        }
      }
    }
  }
  return 0;
}
