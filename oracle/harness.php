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

// Before anything else: PHP must never print a diagnostic to stdout (that is both trace corruption and
// "output started", which changes session behaviour). Unhandled ones go to stderr.
ini_set('display_errors', 'stderr');
ini_set('log_errors', '0');
error_reporting(E_ALL);

require __DIR__ . '/src/TraceJson.php';
require __DIR__ . '/src/Tracer.php';
require __DIR__ . '/src/Clock.php';
require __DIR__ . '/src/TraceStore.php';
require __DIR__ . '/src/ModuleStore.php';
require __DIR__ . '/src/FilesDir.php';
require __DIR__ . '/src/RedisKeys.php';
require __DIR__ . '/src/Pauser.php';
require __DIR__ . '/src/Faults.php';
require __DIR__ . '/src/Program.php';
require __DIR__ . '/src/Call.php';
require __DIR__ . '/src/Shutdown.php';
require __DIR__ . '/src/Values.php';
require __DIR__ . '/src/Handlers.php';
require __DIR__ . '/src/Harness.php';

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
