<?php

declare(strict_types=1);

namespace SessionSpec\Oracle;

/**
 * Step mode (program "pause": true): the request stops at its scheduling points and waits for a
 * coordinator to let it go on, so that real concurrent PHP processes can be interleaved call by call
 * (the C++ side, oracle/race_runner.cpp, picks which process moves next).
 *
 * The points are the explorer's: "start" (after the request event), every `yield` call, and before
 * every save-handler call. At each point one line goes to stdout, {"pause": WHAT, "calls": N} (N =
 * handler calls completed so far, so the coordinator knows whether a step called the handler), and
 * one line is read from stdin: the go. A process that does not reach its next point in time is
 * waiting inside the handler (a lock), which is what the coordinator needs to see.
 *
 * A step's handler events are written after its script event (Tracer), so at a point inside a step
 * the calls it made so far are not on stdout yet: the pause line carries them as "pending" (encoded
 * trace events). The coordinator uses them only when it kills the process there (L4's crash fault):
 * they are calls that happened, which the killed process will never report.
 */
final class Pauser
{
    private int $calls = 0;

    /**
     * @param resource $in
     * @param resource $out
     */
    public function __construct(
        private readonly mixed $in,
        private readonly mixed $out,
        private readonly ?\Closure $pending = null,
    ) {
    }

    public function pause(string $what): void
    {
        $line = json_encode(['pause' => $what, 'calls' => $this->calls]);
        $pending = $this->pending === null ? [] : ($this->pending)();
        if ($pending !== []) {
            $line = substr($line, 0, -1) . ',"pending":[' . implode(',', $pending) . ']}';
        }
        fwrite($this->out, $line . "\n");
        fflush($this->out);
        if (fgets($this->in) === false) {
            // The coordinator is gone: nobody will ever say go.
            fwrite(STDERR, "oracle: the coordinator closed stdin at $what\n");
            exit(3);
        }
    }

    public function handlerCallDone(): void
    {
        $this->calls++;
    }
}
