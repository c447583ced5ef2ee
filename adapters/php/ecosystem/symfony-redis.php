<?php

declare(strict_types=1);

// Symfony 5.4 RedisSessionHandler on phpredis (Debian php8.2-redis) and the redis-server named by
// REDIS_PORT, its keys under the run's fresh prefix.
//   REDIS_PORT=6379 sessionspec certify --handler 'php:class:adapters/php/ecosystem/symfony-redis.php?ext=igbinary,redis&concurrency=last-writer-wins&expiry=ttl'
// What the handler documents (RedisSessionHandler.php):
// - concurrency=last-writer-wins: GET in doRead(), SETEX in doWrite(), no lock anywhere;
// - expiry=ttl: doWrite() is `setEx(key, ttl ?? session.gc_maxlifetime, data)` and
//   updateTimestamp() `expire(...)`: Redis forgets the session; gc() returns 0.

require_once 'Symfony/Component/HttpFoundation/autoload.php';

use Symfony\Component\HttpFoundation\Session\Storage\Handler\RedisSessionHandler;

return static function (array $context): RedisSessionHandler {
    if ($context['redis_port'] === null) {
        throw new RuntimeException('symfony-redis.php needs a redis-server: set REDIS_PORT');
    }
    $redis = new Redis();
    $redis->connect('127.0.0.1', $context['redis_port'], 2.0);
    return new RedisSessionHandler($redis, ['prefix' => $context['prefix']]);
};
