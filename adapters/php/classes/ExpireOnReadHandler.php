<?php

declare(strict_types=1);

require_once __DIR__ . '/SessionFiles.php';

/**
 * A correct expire-on-read file session handler, the design of Symfony's PdoSessionHandler and
 * Laravel's handlers: read() answers '' for a session last written or touched more than
 * session.gc_maxlifetime seconds ago, even before gc() deletes it, and validateId() says such a
 * session does not exist; gc() deletes the old ones. Symfony's shape: validateId and
 * updateTimestamp, no create_sid (PHP makes the ids). No lock: overlapping requests lose
 * updates (last-writer-wins), as Symfony's LOCK_NONE does.
 *
 * Files in $dir: sess_<id>, its mtime the time of the last write or touch, set from time() (so
 * sessionspec moves it with libfaketime; docs/certify.md, "Your PHP handler class"). Ids outside
 * [A-Za-z0-9,-]{1,250} are refused: `sess_<id>` must be a file name.
 */
class ExpireOnReadHandler implements SessionHandlerInterface, SessionUpdateTimestampHandlerInterface
{
    use SessionFiles;

    /** What this handler promises (sessionspec reads it; docs/certify.md). */
    public static function sessionspecGuarantees(): array
    {
        return ['concurrency' => 'last-writer-wins', 'expiry' => 'lazy', 'id_bytes_max' => 250];
    }

    public function close(): bool
    {
        return true;
    }

    public function read(string $id): string|false
    {
        if (!self::validId($id)) {
            return false;
        }
        if (!$this->live($id)) {
            return '';
        }
        $data = @file_get_contents($this->file($id));
        return $data === false ? '' : $data;
    }

    public function write(string $id, string $data): bool
    {
        if (!self::validId($id)) {
            return false;
        }
        return $this->store($id, $data);
    }

    public function gc(int $max_lifetime): int|false
    {
        return $this->removeExpired($max_lifetime);
    }

    public function validateId(string $id): bool
    {
        return self::validId($id) && $this->live($id);
    }

    public function updateTimestamp(string $id, string $data): bool
    {
        if (!self::validId($id)) {
            return false;
        }
        clearstatcache();
        // A session removed meanwhile is written again: what this request acknowledged stays.
        return is_file($this->file($id)) ? touch($this->file($id), time()) : $this->write($id, $data);
    }

    /** Whether $id is stored and younger than session.gc_maxlifetime. */
    private function live(string $id): bool
    {
        clearstatcache();
        $mtime = @filemtime($this->file($id));
        return $mtime !== false && $mtime >= time() - (int) ini_get('session.gc_maxlifetime');
    }
}
