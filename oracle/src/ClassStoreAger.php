<?php

declare(strict_types=1);

namespace SessionSpec\Oracle;

/**
 * Ages what a user's class (php:class:) stores where PHP's clock does not reach: the virtual
 * clock moves PHP's time() through libfaketime, but a Redis or memcached server expires keys by
 * its own clock, and the kernel stamps files with the real time. So that `advance` and seeded
 * ages mean the same to such a store as to the model:
 *
 * - keys under the context's prefix on the context's redis-server (when phpredis is loaded) and
 *   memcached get their TTL shortened by the seconds the clock moves (as RedisKeys does for
 *   phpredis's module; MemcachedKeys), and a seeded session's key by its age;
 * - with `?clock=real` (a handler that compares file mtimes with time(), like PHP's files module
 *   or Laravel's FileSessionHandler), the files in the context's directory are back-dated by the
 *   seconds the clock moves, and the files a seed wrote by its age (as FilesDir does for the
 *   files module). Under libfaketime files are left alone: time() has moved already.
 *
 * The key of a session is the prefix followed by the id (what Symfony's and Laravel's Redis and
 * memcached handlers and php-memcached's module use); a store with other keys is not aged.
 */
final class ClassStoreAger
{
    /** SCAN batches per call, and SCAN calls per listing: a scenario's store holds a handful. */
    private const SCAN_COUNT = 100;
    private const SCAN_CALLS_MAX = 10_000;

    /** The context's redis-server, when the class loads phpredis and there is one. */
    private ?\Redis $redis = null;
    private ?MemcachedKeys $memcached = null;
    private readonly string $prefix;

    /** @param array<string, mixed> $context the context the bootstrap gets */
    public function __construct(private readonly array $context, private readonly bool $realClock)
    {
        $this->prefix = (string) ($context['prefix'] ?? '');
        if ($this->prefix === '') {
            return;
        }
        if (is_int($context['redis_port'] ?? null) && class_exists(\Redis::class)) {
            $this->redis = new \Redis();
            try {
                $this->redis->connect('127.0.0.1', $context['redis_port'], 2.0);
            } catch (\RedisException $e) {
                throw new ProgramError("redis-server 127.0.0.1:{$context['redis_port']}: {$e->getMessage()}");
            }
        }
        if (is_int($context['memcached_port'] ?? null)) {
            $this->memcached = new MemcachedKeys('127.0.0.1', $context['memcached_port'], $this->prefix);
        }
    }

    /** The mtimes of the files in the directory, by path (before a seed writes). */
    public function snapshot(): array
    {
        $out = [];
        foreach ($this->files() as $file) {
            $out[$file->getPathname()] = $file->getMTime();
        }
        return $out;
    }

    /**
     * The session $id was just stored through the handler, $ageSeconds old in virtual time.
     *
     * @param array<string, int> $before snapshot() from before the write
     */
    public function seeded(string $id, int $ageSeconds, array $before): void
    {
        if ($this->redis !== null) {
            $this->ageRedisKey($this->prefix . $id, $ageSeconds);
        }
        $this->memcached?->ageSession($id, $ageSeconds);
        if (!$this->realClock) {
            return;
        }
        clearstatcache();
        foreach ($this->files() as $file) {
            $path = $file->getPathname();
            if (($before[$path] ?? null) !== $file->getMTime()) {
                touch($path, time() - $ageSeconds);
            }
        }
        clearstatcache();
    }

    /** The virtual clock moved on by $seconds. */
    public function advance(int $seconds): void
    {
        foreach ($this->redisKeys() as $key) {
            $this->ageRedisKey($key, $seconds);
        }
        $this->memcached?->advance($seconds);
        if (!$this->realClock) {
            return;
        }
        clearstatcache();
        foreach ($this->files() as $file) {
            touch($file->getPathname(), $file->getMTime() - $seconds);
        }
        clearstatcache();
    }

    /** Shortens the TTL of a Redis key by $seconds (as RedisKeys does for phpredis's module). */
    private function ageRedisKey(string $key, int $seconds): void
    {
        $left = $this->redis?->pttl($key);
        if (!is_int($left) || $left < 0) {
            return; // no expiry (-1) or gone meanwhile (-2)
        }
        $left -= $seconds * 1000;
        if ($left > 0) {
            $this->redis->pexpire($key, $left);
        } else {
            $this->redis->del($key);
        }
    }

    /** @return list<string> every Redis key under the prefix */
    private function redisKeys(): array
    {
        if ($this->redis === null) {
            return [];
        }
        $out = [];
        $it = null;
        $pattern = preg_replace('/[*?\[\]\\\\]/', '\\\\$0', $this->prefix) . '*';
        for ($calls = 0; $calls < self::SCAN_CALLS_MAX; ++$calls) {
            $batch = $this->redis->scan($it, $pattern, self::SCAN_COUNT);
            if (is_array($batch)) {
                array_push($out, ...$batch);
            }
            if ($it === 0 || $it === null) {
                return $out;
            }
        }
        throw new ProgramError('redis: SCAN of the prefix did not end within ' . self::SCAN_CALLS_MAX . ' calls');
    }

    /** @return list<\SplFileInfo> every file under the context's directory */
    private function files(): array
    {
        $dir = (string) ($this->context['dir'] ?? '');
        if ($dir === '' || !is_dir($dir)) {
            return [];
        }
        $out = [];
        $it = new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator($dir, \FilesystemIterator::SKIP_DOTS));
        foreach ($it as $file) {
            if ($file->isFile()) {
                $out[] = $file;
            }
        }
        return $out;
    }
}
