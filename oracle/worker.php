<?php

/*
 * Persistent real-PHP oracle: runs MANY requests in one PHP process, so that a scenario costs a few
 * milliseconds instead of one PHP start-up per request. Same programs and traces as harness.php.
 *
 *     php -n oracle/worker.php
 *
 * Protocol (stdin/stdout, one JSON document per line):
 *   in:  a program (oracle/README.md, "Program format"), on ONE line
 *   out: the trace lines of that request, then exactly one status line:
 *        {"worker":"done"}                       the request ran; its trace is complete
 *        {"worker":"done","restart":true}       the same, but the module still holds the request's session
 *                                                 (a skipped close left a file locked): the worker exits,
 *                                                 as a real PHP process would, and the client starts another
 *        {"worker":"bad_program","message":M}   like harness.php's exit 2 (no trace lines before it)
 *        {"worker":"fresh_process","message":M} the request needs a PHP process that has not run a session
 *                                                 yet (it reads SID): no trace lines; the worker exits, and
 *                                                 the client sends the request again to a new one
 *        {"worker":"fallback","message":M}      the request cannot be reproduced in-process (a fatal
 *                                                 error in a real request); rerun the scenario one
 *                                                 process per request. The worker exits after this.
 *
 * Between requests the session module is put back into the state of a fresh request (see
 * resetSessionModule()); if that ever fails the worker answers "fallback" and exits.
 */

declare(strict_types=1);

require __DIR__ . '/src/load.php';

use SessionSpec\Oracle\Harness;
use SessionSpec\Oracle\Program;
use SessionSpec\Oracle\ProgramError;

/** The handler of the reset session: answers everything, records nothing. */
final class WorkerResetHandler implements SessionHandlerInterface
{
    public function open(string $path, string $name): bool
    {
        return true;
    }

    public function close(): bool
    {
        return true;
    }

    public function read(string $id): string
    {
        return '';
    }

    public function write(string $id, string $data): bool
    {
        return true;
    }

    public function destroy(string $id): bool
    {
        return true;
    }

    public function gc(int $max_lifetime): int
    {
        return 0;
    }
}

/**
 * What PHP's request shutdown + next request start do to the session module, done from PHP code:
 *
 * - session_destroy() is the only userland path to php_rshutdown_session_globals() followed by
 *   php_rinit_session_globals(): the id becomes NULL (session_id('') would leave "" behind, and a
 *   non-NULL id makes the next session_start() ignore the cookie), the lazy_write snapshot and the
 *   handler class name are dropped, status is none. It needs an active session, so a throw-away one is
 *   started with a silent handler (registered without shutdown function: nothing to write at exit).
 * - ini_restore() of every session.* entry (and redis.*, when phpredis is loaded) undoes ini_set() and
 *   session_start() options, as the end of a request does (save_handler goes back to "files").
 * - $_SESSION and $_COOKIE do not exist / are empty at the start of a CLI request; headers are dropped.
 * - PHP empties its stat and realpath caches at the end of a request; without that, is_dir() of a save
 *   path the client deleted between scenarios would still say true.
 */
function resetSessionModule(): void
{
    session_set_save_handler(new WorkerResetHandler(), false);
    session_id('sessionspecworkerreset');
    session_start(['use_cookies' => '0', 'use_strict_mode' => '0', 'gc_probability' => '0',
        'read_and_close' => false, 'serialize_handler' => 'php']);
    session_destroy();
    // phpredis's session settings (redis.session.*) are request settings too (real-engine mode).
    foreach (extension_loaded('redis') ? ['session', 'redis'] : ['session'] as $extension) {
        foreach (array_keys(ini_get_all($extension, false)) as $name) {
            ini_restore($name);
        }
    }
    unset($_SESSION);
    $_COOKIE = [];
    header_remove();
    clearstatcache(true);
    if (session_status() !== PHP_SESSION_NONE || session_id() !== '' || isset($_SESSION)) {
        throw new RuntimeException('the session module could not be reset');
    }
}

function reply(array $status): void
{
    fwrite(STDOUT, json_encode(['worker' => $status[0]] + array_slice($status, 1, null, true),
        JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE) . "\n");
    fflush(STDOUT);
}

/** Runs one request; returns the status line's fields. */
function serveRequest(string $line): array
{
    try {
        $program = Program::fromText($line, 'program');
    } catch (ProgramError $e) {
        return ['bad_program', 'message' => $e->getMessage()];
    }
    if ($program->pause) {
        // stdin carries the programs here; step mode needs a process of its own (harness.php).
        return ['bad_program', 'message' => 'step mode ("pause") needs harness.php, one process per request'];
    }
    foreach ($program->calls as $call) {
        if ($call->op === 'sid' && defined('SID')) {
            // A constant cannot be undefined: once a session started here, SID exists in every later
            // request of this process, where a new process has none until its session starts. A new
            // worker runs the request (only `sid` reads SID, so later requests do not mind it).
            return ['fresh_process', 'message' => 'SID is defined in this process; the request needs a new one'];
        }
    }
    $obLevel = ob_get_level();
    $harness = new Harness($program, true);
    $status = ['done'];
    try {
        $harness->run();
        $harness->endRequestInProcess();
        if ($harness->moduleLeftOpen()) {
            $status = ['done', 'restart' => true];
        }
    } catch (ProgramError $e) {
        $status = ['bad_program', 'message' => $e->getMessage()];
    } catch (Throwable $e) {
        // In a real request this is a fatal error at shutdown; the trace would end without response.
        $status = ['fallback', 'message' => $e::class . ': ' . $e->getMessage()];
    }
    // Harness::run() installed the tracer's error handler and an output guard; drop both.
    restore_error_handler();
    while (ob_get_level() > $obLevel) {
        ob_end_clean();
    }
    unset($harness);
    return $status;
}

// Per-request errors are traced by the harness; the worker's own never reach stdout.
set_error_handler(static function (int $errno, string $message): bool {
    fwrite(STDERR, "oracle worker: $message\n");
    return true;
});
while (($line = fgets(STDIN)) !== false) {
    if (trim($line) === '') {
        continue;
    }
    $status = serveRequest($line);
    try {
        resetSessionModule();
    } catch (Throwable $e) {
        $status = ['fallback', 'message' => 'reset: ' . $e->getMessage()];
    }
    reply($status);
    if ($status[0] === 'fallback' || $status[0] === 'fresh_process' || ($status['restart'] ?? false)) {
        exit(0);
    }
}
