<?php

/*
 * Real-PHP oracle: runs ONE request of a sessionspec scenario with a tracing save handler and prints the
 * trace as JSON lines (docs/trace-format.md) on stdout. See oracle/README.md.
 *
 *     php -n oracle/harness.php PROGRAM.json
 *
 * Exit status: 0 = traced (whatever PHP did), 2 = bad program (reason on stderr, nothing on stdout).
 */

declare(strict_types=1);

require __DIR__ . '/src/load.php';

use SessionSpec\Oracle\Harness;
use SessionSpec\Oracle\Program;
use SessionSpec\Oracle\ProgramError;

if ($argc !== 2) {
    fwrite(STDERR, "usage: php -n oracle/harness.php PROGRAM.json\n");
    exit(2);
}

try {
    // A global, not a local of some function: its destructor writes the response event and must run in
    // PHP's destructor phase, i.e. after the session module's end-of-request write/close.
    $harness = new Harness(Program::fromFile($argv[1]));
    $harness->run();
} catch (ProgramError $e) {
    fwrite(STDERR, 'oracle: bad program: ' . $e->getMessage() . "\n");
    exit(2);
}
