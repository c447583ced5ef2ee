<?php

declare(strict_types=1);

namespace SessionSpec\Oracle;

/**
 * The keys of phpredis's session module (program "module": "redis"), reached with phpredis's own
 * client at the host and port of session.save_path ("tcp://HOST:PORT?prefix=P&..."; phpredis's
 * default prefix is PHPREDIS_SESSION:).
 *
 * Redis expires keys by its own clock. To keep `advance` meaningful, advancing the virtual clock by
 * S seconds shortens the TTL of every key under the prefix by S seconds (and deletes the keys whose
 * TTL runs out), and a seeded session gets the TTL it would have left after its age.
 */
final class RedisKeys implements ModuleStore
{
    /** SCAN batches per call; the store of one scenario holds a handful of keys. */
    private const SCAN_COUNT = 100;

    private readonly \Redis $redis;
    private readonly string $prefix;

    public function __construct(string $savePath)
    {
        if (!class_exists(\Redis::class)) {
            throw new ProgramError('module redis needs the phpredis extension (php -d extension=redis.so)');
        }
        $url = parse_url($savePath);
        if ($url === false || !isset($url['host'], $url['port'])) {
            throw new ProgramError("module redis: save_path must be tcp://HOST:PORT[?prefix=P], not $savePath");
        }
        parse_str($url['query'] ?? '', $query);
        $this->prefix = is_string($query['prefix'] ?? null) ? $query['prefix'] : 'PHPREDIS_SESSION:';
        $this->redis = new \Redis();
        try {
            $this->redis->connect($url['host'], $url['port'], 2.0);
        } catch (\RedisException $e) {
            throw new ProgramError("module redis: cannot connect to {$url['host']}:{$url['port']}: {$e->getMessage()}");
        }
    }

    public function clear(): void
    {
        foreach ($this->keys() as $key) {
            $this->redis->del($key);
        }
    }

    public function seed(string $id, string $data, int $ageSeconds): void
    {
        // phpredis stores with SETEX gc_maxlifetime; an older session has that much less left.
        $leftMs = ((int) ini_get('session.gc_maxlifetime') - $ageSeconds) * 1000;
        if ($leftMs > 0) {
            $this->redis->set($this->prefix . $id, $data, ['px' => $leftMs]);
        }
    }

    public function advance(int $seconds): void
    {
        foreach ($this->keys() as $key) {
            $left = $this->redis->pttl($key);
            if ($left < 0) {
                continue; // no expiry (-1) or gone meanwhile (-2)
            }
            $left -= $seconds * 1000;
            if ($left > 0) {
                $this->redis->pexpire($key, $left);
            } else {
                $this->redis->del($key);
            }
        }
    }

    /** @return list<string> every key under the prefix */
    private function keys(): array
    {
        $out = [];
        $it = null;
        $pattern = preg_replace('/[*?\[\]\\\\]/', '\\\\$0', $this->prefix) . '*';
        do {
            $batch = $this->redis->scan($it, $pattern, self::SCAN_COUNT);
            if (is_array($batch)) {
                array_push($out, ...$batch);
            }
        } while ($it > 0);
        return $out;
    }
}
