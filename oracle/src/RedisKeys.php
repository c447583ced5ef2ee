<?php

declare(strict_types=1);

namespace SessionSpec\Oracle;

/**
 * The keys of phpredis's session modules, reached with phpredis's own clients:
 *
 * - "module": "redis": one server, `\Redis` at the host and port of session.save_path
 *   ("tcp://HOST:PORT?prefix=P&..."; phpredis's default prefix is PHPREDIS_SESSION:);
 * - "module": "rediscluster": a Redis Cluster, `\RedisCluster` seeded with the seed[] nodes of
 *   session.save_path ("seed[]=HOST:PORT&seed[]=...&prefix=P"). A session key lives on the master
 *   of its hash slot; RedisCluster routes every key command there (following MOVED/ASK), and the
 *   keys under the prefix are listed by a SCAN of every master.
 *
 * Redis expires keys by its own clock. To keep `advance` meaningful, advancing the virtual clock by
 * S seconds shortens the TTL of every key under the prefix by S seconds (and deletes the keys whose
 * TTL runs out), and a seeded session gets the TTL it would have left after its age.
 */
final class RedisKeys implements ModuleStore
{
    /** SCAN batches per call; the store of one scenario holds a handful of keys. */
    private const SCAN_COUNT = 100;
    /** SCAN calls per node and listing: a scenario's handful of keys needs one or two. */
    private const SCAN_CALLS_MAX = 10_000;
    /** Seconds to connect and to wait for an answer (both clients). */
    private const TIMEOUT_S = 2.0;
    /** phpredis's default key prefix of both session modules. */
    private const DEFAULT_PREFIX = 'PHPREDIS_SESSION:';

    /**
     * @param \Redis|\RedisCluster $redis
     * @param list<mixed> $nodes what SCAN is sent to: [null] for one server, every master of a cluster
     */
    private function __construct(
        private readonly object $redis,
        private readonly string $prefix,
        private readonly array $nodes,
    ) {
    }

    /** The store of the module named $module ("redis" or "rediscluster") at $savePath. */
    public static function forModule(string $module, string $savePath): self
    {
        if (!class_exists(\Redis::class)) {
            throw new ProgramError("module $module needs the phpredis extension (php -d extension=redis.so)");
        }
        return $module === 'rediscluster' ? self::cluster($savePath) : self::server($savePath);
    }

    private static function server(string $savePath): self
    {
        $url = parse_url($savePath);
        if ($url === false || !isset($url['host'], $url['port'])) {
            throw new ProgramError("module redis: save_path must be tcp://HOST:PORT[?prefix=P], not $savePath");
        }
        parse_str($url['query'] ?? '', $query);
        $redis = new \Redis();
        try {
            $redis->connect($url['host'], $url['port'], self::TIMEOUT_S);
        } catch (\RedisException $e) {
            throw new ProgramError("module redis: cannot connect to {$url['host']}:{$url['port']}: {$e->getMessage()}");
        }
        return new self($redis, self::prefixOf($query), [null]);
    }

    private static function cluster(string $savePath): self
    {
        parse_str($savePath, $query);
        $seeds = $query['seed'] ?? null;
        if (!is_array($seeds) || $seeds === [] || !array_is_list($seeds)) {
            throw new ProgramError("module rediscluster: save_path must be seed[]=HOST:PORT&...[&prefix=P], not $savePath");
        }
        try {
            $cluster = new \RedisCluster(null, $seeds, self::TIMEOUT_S, self::TIMEOUT_S);
            $masters = $cluster->_masters();
        } catch (\RedisClusterException $e) {
            throw new ProgramError('module rediscluster: cannot reach the cluster at ' . implode(',', $seeds) . ": {$e->getMessage()}");
        }
        return new self($cluster, self::prefixOf($query), $masters);
    }

    /** @param array<mixed> $query */
    private static function prefixOf(array $query): string
    {
        return is_string($query['prefix'] ?? null) ? $query['prefix'] : self::DEFAULT_PREFIX;
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

    /** @return list<string> every key under the prefix, on every node */
    private function keys(): array
    {
        $out = [];
        $pattern = preg_replace('/[*?\[\]\\\\]/', '\\\\$0', $this->prefix) . '*';
        foreach ($this->nodes as $node) {
            $it = null;
            $calls = 0;
            do {
                $batch = $node === null
                    ? $this->redis->scan($it, $pattern, self::SCAN_COUNT)
                    : $this->redis->scan($it, $node, $pattern, self::SCAN_COUNT);
                if (is_array($batch)) {
                    array_push($out, ...$batch);
                }
                if (++$calls === self::SCAN_CALLS_MAX && $it > 0) {
                    throw new ProgramError('listing the keys under ' . $this->prefix . ' took more than '
                        . self::SCAN_CALLS_MAX . ' SCAN calls on one node');
                }
            } while ($it > 0);
        }
        return $out;
    }
}
