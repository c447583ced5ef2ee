<?php

/*
 * What sessionspec needs to know about a user's handler class before it runs anything
 * (php:class:BOOTSTRAP, oracle/user_class.cpp): the class, its shape as PHP's session module
 * sees it, and the guarantees it declares.
 *
 *     php -n oracle/introspect.php BOOTSTRAP CONTEXT.json
 *
 * Prints one JSON line {"class", "variant", "guarantees": {"source", "values"} | null}; exit 0.
 * A bootstrap that fails: {"error": REASON} and exit 2. Anything the bootstrap prints goes to
 * stderr.
 */

declare(strict_types=1);

require __DIR__ . '/src/load.php';

use SessionSpec\Oracle\Clock;
use SessionSpec\Oracle\UserClassShape;
use SessionSpec\Oracle\UserClassSpec;
use SessionSpec\Oracle\UserClassStore;

function answer(array $a, int $status): never
{
    fwrite(STDOUT, json_encode($a, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE) . "\n");
    exit($status);
}

if ($argc !== 3) {
    fwrite(STDERR, "usage: php -n oracle/introspect.php BOOTSTRAP CONTEXT.json\n");
    exit(2);
}
try {
    $context = json_decode((string) file_get_contents($argv[2]), true, 16, JSON_THROW_ON_ERROR);
    $spec = UserClassSpec::fromJson(['bootstrap' => $argv[1], 'context' => $context]);
    $handler = (new UserClassStore($spec, new Clock(time()), false))->instance();
    answer([
        'class' => $handler::class,
        'variant' => UserClassShape::variant($handler),
        'guarantees' => UserClassShape::guarantees($handler),
    ], 0);
} catch (Throwable $e) {
    answer(['error' => $e::class . ': ' . $e->getMessage()], 2);
}
