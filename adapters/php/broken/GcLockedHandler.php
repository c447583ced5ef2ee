<?php

declare(strict_types=1);

require_once __DIR__ . '/../classes/SessionFiles.php';

/**
 * BROKEN on purpose: PHP's own files design (the session file is its own lock: read() opens and
 * flocks it, write() rewrites it through the same descriptor, close() unlocks), but gc() deletes
 * every old session file without asking whether a request holds it. A request that read a session
 * close to its lifetime then writes into the unlinked file: its update is lost although the class
 * declares `serialised` (sessionspec: L3.race.race-gc-mid-request fails with lost-update).
 */
final class GcLockedHandler implements SessionHandlerInterface, SessionIdInterface, SessionUpdateTimestampHandlerInterface
{
    use SessionFiles;

    /** @var resource|null the open, locked session file of this request */
    private $fp = null;
    private ?string $id = null;

    public static function sessionspecGuarantees(): array
    {
        return ['concurrency' => 'serialised', 'expiry' => 'gc-only', 'id_bytes_max' => 250];
    }

    public function close(): bool
    {
        $this->release();
        return true;
    }

    public function read(string $id): string|false
    {
        if (!$this->acquire($id)) {
            return false;
        }
        rewind($this->fp);
        return (string) stream_get_contents($this->fp);
    }

    public function write(string $id, string $data): bool
    {
        if (!$this->acquire($id) || !ftruncate($this->fp, 0) || !rewind($this->fp)) {
            return false;
        }
        $ok = fwrite($this->fp, $data) === strlen($data) && fflush($this->fp);
        return $ok && touch($this->file($id), time());
    }

    public function gc(int $max_lifetime): int|false
    {
        // The bug: a session another request holds locked is deleted all the same.
        return $this->removeExpired($max_lifetime);
    }

    public function create_sid(): string
    {
        return bin2hex(random_bytes(16));
    }

    public function validateId(string $id): bool
    {
        clearstatcache();
        return self::validId($id) && is_file($this->file($id));
    }

    public function updateTimestamp(string $id, string $data): bool
    {
        clearstatcache();
        return is_file($this->file($id)) ? touch($this->file($id), time()) : $this->write($id, $data);
    }

    private function acquire(string $id): bool
    {
        if ($this->id === $id) {
            return true;
        }
        $this->release();
        if (!self::validId($id)) {
            return false;
        }
        $fp = fopen($this->file($id), 'c+');
        if ($fp === false || !flock($fp, LOCK_EX)) {
            return false;
        }
        [$this->fp, $this->id] = [$fp, $id];
        return true;
    }

    private function release(): void
    {
        if ($this->fp !== null) {
            flock($this->fp, LOCK_UN);
            fclose($this->fp);
        }
        [$this->fp, $this->id] = [null, null];
    }
}
