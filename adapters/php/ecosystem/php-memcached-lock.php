<?php

declare(strict_types=1);

// php-memcached's session module (php8.2-memcached 3.2.0) with its defaults: memcached.sess_locking=1,
// a waiting request retries `sess_lock_retries` (5) times, `sess_lock_wait_min`..`max` (150 ms)
// apart, then gives up.
//   MEMCACHED_PORT=11211 sessionspec certify --handler 'php:class:adapters/php/ecosystem/php-memcached-lock.php?ext=igbinary,msgpack,memcached&clock=real&concurrency=serialised&expiry=ttl'
// What the module documents (memcached.ini: "Use session locking", the lock wait settings):
// - concurrency=serialised: the session is locked from read to close;
// - expiry=ttl: sessions expire after session.gc_maxlifetime in memcached.

require_once __DIR__ . '/php-memcached-module.inc.php';

return static fn (array $context): SessionSpecMemcachedModule =>
    sessionspec_php_memcached($context, ['memcached.sess_locking' => '1']);
