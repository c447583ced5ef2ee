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
 *   memcached get their TTL shortened by the seconds the clock moves (RedisKeys, MemcachedKeys),
 *   and a seeded session's key by its age;
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
    /** @var list<RedisKeys|MemcachedKeys> the key stores of the servers in the context */
    private array $servers = [];

    /** @param array<string, mixed> $context the context the bootstrap gets */
    public function __construct(private readonly array $context, private readonly bool $realClock)
    {
        $prefix = (string) ($context['prefix'] ?? '');
        if ($prefix === '') {
            return;
        }
        if (is_int($context['redis_port'] ?? null) && class_exists(\Redis::class)) {
            $this->servers[] = new RedisKeys("tcp://127.0.0.1:{$context['redis_port']}?prefix=" . rawurlencode($prefix));
        }
        if (is_int($context['memcached_port'] ?? null)) {
            $this->servers[] = new MemcachedKeys('127.0.0.1', $context['memcached_port'], $prefix);
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
        foreach ($this->servers as $server) {
            $server->ageSession($id, $ageSeconds);
        }
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
        foreach ($this->servers as $server) {
            $server->advance($seconds);
        }
        if (!$this->realClock) {
            return;
        }
        clearstatcache();
        foreach ($this->files() as $file) {
            touch($file->getPathname(), $file->getMTime() - $seconds);
        }
        clearstatcache();
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
