<?php

declare(strict_types=1);

// Laravel 8 CacheBasedSessionHandler (php-illuminate-session) on Laravel's Redis cache store
// (php-illuminate-cache, php-illuminate-redis with the phpredis client) and the redis-server
// named by REDIS_PORT, keys under the run's fresh prefix: Laravel's `redis` session driver.
// The lifetime (minutes) is set from session.gc_maxlifetime.
//   REDIS_PORT=6379 sessionspec certify --handler 'php:class:adapters/php/ecosystem/laravel-cache-redis.php?ext=igbinary,redis,mbstring,ctype&concurrency=last-writer-wins&expiry=ttl'
// What the handler does (CacheBasedSessionHandler.php, Cache/RedisStore.php):
// - concurrency=last-writer-wins: cache get in read(), put in write(), no lock;
// - expiry=ttl: write() is `put(id, data, minutes * 60)`, a Redis SETEX: Redis forgets the
//   session; gc() does nothing (returns true).

require_once 'Illuminate/Session/autoload.php';
require_once 'Illuminate/Cache/autoload.php';
require_once 'Illuminate/Redis/autoload.php';

use Illuminate\Cache\RedisStore;
use Illuminate\Cache\Repository;
use Illuminate\Redis\RedisManager;
use Illuminate\Session\CacheBasedSessionHandler;

return static function (array $context): CacheBasedSessionHandler {
    if ($context['redis_port'] === null) {
        throw new RuntimeException('laravel-cache-redis.php needs a redis-server: set REDIS_PORT');
    }
    $redis = new RedisManager(null, 'phpredis', [
        'default' => ['host' => '127.0.0.1', 'port' => $context['redis_port'], 'database' => 0],
    ]);
    $cache = new Repository(new RedisStore($redis, $context['prefix'], 'default'));
    return new CacheBasedSessionHandler($cache, (int) ini_get('session.gc_maxlifetime') / 60);
};
