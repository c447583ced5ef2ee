<?php

declare(strict_types=1);

// Laravel 8 CacheBasedSessionHandler on Laravel's memcached cache store (php-illuminate-cache,
// php8.2-memcached) and the memcached named by MEMCACHED_PORT, keys under the run's fresh
// prefix: Laravel's `memcached` session driver. The lifetime (minutes) is set from
// session.gc_maxlifetime.
//   MEMCACHED_PORT=11211 sessionspec certify --handler 'php:class:adapters/php/ecosystem/laravel-cache-memcached.php?ext=igbinary,msgpack,memcached,mbstring,ctype&clock=real&concurrency=last-writer-wins&expiry=ttl'
// What the handler does (CacheBasedSessionHandler.php, Cache/MemcachedStore.php):
// - concurrency=last-writer-wins: cache get in read(), put in write(), no lock;
// - expiry=ttl: write() is `put(id, data, minutes * 60)`; MemcachedStore sets the item with an
//   absolute expiry time (time() + seconds, calculateExpiration()); gc() does nothing.
// `clock=real`: memcached compares that absolute time with its own clock, so PHP's time() must
// be the real one (under libfaketime every session would be expired when stored, as it is in
// production when the web server's clock runs ahead of memcached's by more than the lifetime);
// sessionspec ages the keys instead of moving time().

require_once 'Illuminate/Session/autoload.php';
require_once 'Illuminate/Cache/autoload.php';

use Illuminate\Cache\MemcachedStore;
use Illuminate\Cache\Repository;
use Illuminate\Session\CacheBasedSessionHandler;

return static function (array $context): CacheBasedSessionHandler {
    if ($context['memcached_port'] === null) {
        throw new RuntimeException('laravel-cache-memcached.php needs a memcached: set MEMCACHED_PORT');
    }
    $memcached = new Memcached();
    $memcached->addServer('127.0.0.1', $context['memcached_port']);
    $cache = new Repository(new MemcachedStore($memcached, $context['prefix']));
    return new CacheBasedSessionHandler($cache, (int) ini_get('session.gc_maxlifetime') / 60);
};
