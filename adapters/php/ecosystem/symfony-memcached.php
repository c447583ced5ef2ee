<?php

declare(strict_types=1);

// Symfony 5.4 MemcachedSessionHandler on php-memcached (Debian php8.2-memcached) and the
// memcached named by MEMCACHED_PORT, its keys under the run's fresh prefix.
//   MEMCACHED_PORT=11211 sessionspec certify --handler 'php:class:adapters/php/ecosystem/symfony-memcached.php?ext=igbinary,msgpack,memcached&concurrency=last-writer-wins&expiry=ttl'
// What the handler documents (MemcachedSessionHandler.php):
// - concurrency=last-writer-wins: get in doRead(), set in doWrite(), no lock;
// - expiry=ttl: set() and touch() with `ttl ?? session.gc_maxlifetime`; gc() "not required here
//   because memcached will auto expire the records anyhow" (returns 0).
// memcached keys are at most 250 bytes: with the prefix that bounds the ids it can store.

require_once 'Symfony/Component/HttpFoundation/autoload.php';

use Symfony\Component\HttpFoundation\Session\Storage\Handler\MemcachedSessionHandler;

return static function (array $context): MemcachedSessionHandler {
    if ($context['memcached_port'] === null) {
        throw new RuntimeException('symfony-memcached.php needs a memcached: set MEMCACHED_PORT');
    }
    $memcached = new Memcached();
    $memcached->addServer('127.0.0.1', $context['memcached_port']);
    return new MemcachedSessionHandler($memcached, ['prefix' => $context['prefix']]);
};
