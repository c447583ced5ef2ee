<?php

declare(strict_types=1);

// php-memcached's session module (php8.2-memcached 3.2.0) with a lock that waits: locking on,
// 200 retries 150 ms apart (30 s, longer than any request of a scenario takes).
//   MEMCACHED_PORT=11211 sessionspec certify --handler 'php:class:adapters/php/ecosystem/php-memcached-lock-wait.php?ext=igbinary,msgpack,memcached&clock=real&concurrency=serialised&expiry=ttl'
// Guarantees as php-memcached-lock.php: serialised, ttl.

require_once __DIR__ . '/php-memcached-module.inc.php';

return static fn (array $context): SessionSpecMemcachedModule => sessionspec_php_memcached($context, [
    'memcached.sess_locking' => '1',
    'memcached.sess_lock_retries' => '200',
]);
