<?php

declare(strict_types=1);

// php-memcached's session module (php8.2-memcached 3.2.0), memcached.sess_locking=0.
//   MEMCACHED_PORT=11211 sessionspec certify --handler 'php:class:adapters/php/ecosystem/php-memcached-nolock.php?ext=igbinary,msgpack,memcached&clock=real&concurrency=last-writer-wins&expiry=ttl'
// What the module documents (memcached.ini of the package, php-memcached's README):
// - concurrency=last-writer-wins: without `memcached.sess_locking` nothing is locked;
// - expiry=ttl: sessions are stored with the expiration session.gc_maxlifetime; memcached
//   forgets them, gc does nothing.

require_once __DIR__ . '/php-memcached-module.inc.php';

return static fn (array $context): SessionSpecMemcachedModule =>
    sessionspec_php_memcached($context, ['memcached.sess_locking' => '0']);
