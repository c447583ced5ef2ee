<?php

/*
 * The ids a user's handler class makes (php:class:BOOTSTRAP, certify's L2.create-sid row,
 * certify/sid_check.hpp): PHP's session module opens the handler (session_start, no cookie),
 * then create_sid() is called COUNT times, and the session is abandoned (session_abort closes
 * the handler). sessionspec runs this in several processes and judges all their ids together.
 *
 *     php -n oracle/create_sid.php BOOTSTRAP CONTEXT.json COUNT
 *
 * Prints one JSON line {"ids": [...]} ({"ids": null} when the class has no create_sid); exit 0.
 * A bootstrap or a call that fails: {"error": REASON} and exit 2. Anything the handler prints
 * goes to stderr.
 */

declare(strict_types=1);

require __DIR__ . '/src/load.php';
ini_set('session.use_cookies', '0');
ini_set('session.use_only_cookies', '0');
ini_set('session.gc_probability', '0');

use SessionSpec\Oracle\Clock;
use SessionSpec\Oracle\UserClassSpec;
use SessionSpec\Oracle\UserClassStore;

/** The most ids one process is asked for. */
const COUNT_MAX = 100000;

function answer(array $a, int $status): never
{
    fwrite(STDOUT, json_encode($a, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE) . "\n");
    exit($status);
}

if ($argc !== 4 || preg_match('/\A[0-9]{1,6}\z/', $argv[3]) !== 1 || (int) $argv[3] > COUNT_MAX) {
    fwrite(STDERR, "usage: php -n oracle/create_sid.php BOOTSTRAP CONTEXT.json COUNT\n");
    exit(2);
}
try {
    $context = json_decode((string) file_get_contents($argv[2]), true, 16, JSON_THROW_ON_ERROR);
    $spec = UserClassSpec::fromJson(['bootstrap' => $argv[1], 'context' => $context]);
    $handler = (new UserClassStore($spec, new Clock(time()), false))->instance();
    if (!($handler instanceof SessionIdInterface) && !($handler instanceof SessionHandler)) {
        answer(['ids' => null], 0);
    }
    ob_start(static fn (string $out): string => fwrite(STDERR, $out) === false ? '' : '');
    session_set_save_handler($handler, false);
    if (!session_start()) {
        answer(['error' => 'session_start() failed'], 2);
    }
    $ids = [];
    for ($i = 0; $i < (int) $argv[3]; $i++) {
        $id = $handler->create_sid();
        if (!is_string($id)) {
            answer(['error' => 'create_sid() returned ' . get_debug_type($id)], 2);
        }
        $ids[] = $id;
    }
    session_abort();
    ob_end_flush();
    answer(['ids' => $ids], 0);
} catch (Throwable $e) {
    answer(['error' => $e::class . ': ' . $e->getMessage()], 2);
}
