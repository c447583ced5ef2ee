<?php

declare(strict_types=1);

namespace SessionSpec\Oracle;

/**
 * The keys under one prefix on a memcached server, reached over memcached's text protocol: the
 * store of php-memcached's session module under a user's class (a \SessionHandler whose
 * bootstrap selected the module; the prefix is memcached.sess_prefix), and the memcached keys of
 * any user's class (ClassStoreAger: keys under the context's prefix).
 *
 * memcached expires keys by its own clock. As RedisKeys does for Redis, advancing the virtual
 * clock by S seconds shortens the TTL of every key under the prefix by S seconds (and deletes the
 * keys whose TTL runs out), and a seeded session gets the TTL it would have left after its age.
 * The keys are listed with `lru_crawler metadump all` (memcached 1.6), their TTLs read with the
 * meta command `mg KEY t` and set with `touch`.
 */
final class MemcachedKeys implements ModuleStore
{
    /** Bound of every connect, read and write. */
    private const TIMEOUT_S = 2.0;
    /** Lines of one metadump answer at most; the store of one scenario holds a handful of keys. */
    private const DUMP_LINES_MAX = 100000;

    /** @var resource */
    private $socket;

    public function __construct(string $host, int $port, private readonly string $prefix)
    {
        $socket = @stream_socket_client("tcp://$host:$port", $errno, $error, self::TIMEOUT_S);
        if ($socket === false) {
            throw new ProgramError("memcached: cannot connect to $host:$port: $error");
        }
        stream_set_timeout($socket, (int) self::TIMEOUT_S);
        $this->socket = $socket;
    }

    public function clear(): void
    {
        foreach ($this->keys() as $key) {
            $this->command("delete $key", ['DELETED', 'NOT_FOUND']);
        }
    }

    public function seed(string $id, string $data, int $ageSeconds): void
    {
        // php-memcached stores with the TTL gc_maxlifetime; an older session has that much less.
        $left = (int) ini_get('session.gc_maxlifetime') - $ageSeconds;
        if ($left > 0) {
            $key = $this->prefix . $id;
            $this->command("set $key 0 $left " . strlen($data) . "\r\n$data", ['STORED']);
        }
    }

    public function advance(int $seconds): void
    {
        foreach ($this->keys() as $key) {
            $this->age($key, $seconds);
        }
    }

    /** The session $id (its key: the prefix and the id) gets $seconds older. */
    public function ageSession(string $id, int $seconds): void
    {
        $this->age($this->prefix . $id, $seconds);
    }

    private function age(string $key, int $seconds): void
    {
        $answer = $this->command("mg $key t", ['HD', 'EN']);
        if (preg_match('/^HD t(-?\d+)/', $answer, $m) !== 1 || (int) $m[1] < 0) {
            return; // gone meanwhile (EN) or no expiry (t-1)
        }
        $left = (int) $m[1] - $seconds;
        if ($left > 0) {
            $this->command("touch $key $left", ['TOUCHED', 'NOT_FOUND']);
        } else {
            $this->command("delete $key", ['DELETED', 'NOT_FOUND']);
        }
    }

    /** @return list<string> every key under the prefix */
    private function keys(): array
    {
        $this->send('lru_crawler metadump all');
        $out = [];
        for ($i = 0; $i < self::DUMP_LINES_MAX; ++$i) {
            $line = $this->line();
            if ($line === 'END') {
                return $out;
            }
            if (preg_match('/^key=(\S+)/', $line, $m) !== 1) {
                throw new ProgramError("memcached: unexpected metadump line: $line");
            }
            $key = rawurldecode($m[1]);
            if (str_starts_with($key, $this->prefix)) {
                $out[] = $key;
            }
        }
        throw new ProgramError('memcached: metadump longer than ' . self::DUMP_LINES_MAX . ' lines');
    }

    /**
     * Sends $text and reads the one-line answer, which must start with one of $ok.
     *
     * @param list<string> $ok
     */
    private function command(string $text, array $ok): string
    {
        $this->send($text);
        $answer = $this->line();
        foreach ($ok as $word) {
            if ($answer === $word || str_starts_with($answer, "$word ")) {
                return $answer;
            }
        }
        throw new ProgramError("memcached: '" . strtok($text, "\r") . "' answered '$answer'");
    }

    private function send(string $text): void
    {
        $bytes = "$text\r\n";
        if (@fwrite($this->socket, $bytes) !== strlen($bytes)) {
            throw new ProgramError('memcached: write failed');
        }
    }

    private function line(): string
    {
        $line = fgets($this->socket);
        if ($line === false) {
            throw new ProgramError('memcached: no answer within ' . self::TIMEOUT_S . ' s');
        }
        return rtrim($line, "\r\n");
    }
}
