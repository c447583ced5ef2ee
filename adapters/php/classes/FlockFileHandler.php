<?php

declare(strict_types=1);

require_once __DIR__ . '/SessionFiles.php';

/**
 * A correct file session handler with PHP's own files design: one file per session, an exclusive
 * blocking flock from read() to close(), gc by mtime that never deletes a session another
 * request holds. It reads the time from time() only, so sessionspec moves its clock with
 * libfaketime (docs/certify.md, "Your PHP handler class").
 *
 * Files in $dir: sess_<id> (the data, written atomically by rename) and lock_<id> (the flock; a
 * lock file is not a session, so reading an unknown id creates no session). Ids outside
 * [A-Za-z0-9,-]{1,250} are refused: `sess_<id>` must be a file name.
 *
 * The deliberately broken handlers in adapters/php/broken/ are subclasses with one bug each.
 */
class FlockFileHandler implements SessionHandlerInterface, SessionIdInterface, SessionUpdateTimestampHandlerInterface
{
    use SessionFiles;

    /** @var resource|null the lock file this request holds */
    protected $lock = null;
    /** The id whose lock this request holds. */
    protected ?string $locked = null;

    /** What this handler promises (sessionspec reads it; docs/certify.md). */
    public static function sessionspecGuarantees(): array
    {
        return ['concurrency' => 'serialised', 'expiry' => 'gc-only', 'id_bytes_max' => 250];
    }

    public function close(): bool
    {
        $this->unlock();
        return true;
    }

    public function read(string $id): string|false
    {
        if (!self::validId($id) || !$this->lock($id)) {
            return false;
        }
        clearstatcache();
        $data = @file_get_contents($this->file($id));
        return $data === false ? '' : $data;
    }

    public function write(string $id, string $data): bool
    {
        if (!self::validId($id) || !$this->lock($id)) {
            return false;
        }
        return $this->store($id, $data);
    }

    public function gc(int $max_lifetime): int|false
    {
        // A session another request holds is in use: its write must not be lost.
        return $this->removeExpired($max_lifetime, fn (string $id): bool => $this->held($id));
    }

    public function create_sid(): string
    {
        $alphabet = '0123456789abcdefghijklmnopqrstuv';
        do {
            $id = '';
            foreach (str_split(random_bytes(26)) as $byte) {
                $id .= $alphabet[ord($byte) & 31];
            }
        } while (is_file($this->file($id)));
        return $id;
    }

    public function validateId(string $id): bool
    {
        clearstatcache();
        return self::validId($id) && is_file($this->file($id));
    }

    public function updateTimestamp(string $id, string $data): bool
    {
        if (!self::validId($id)) {
            return false;
        }
        clearstatcache();
        // A session gc or another request removed meanwhile is written again, as PHP's files
        // module does: what this request acknowledged is never lost.
        return is_file($this->file($id)) ? touch($this->file($id), time()) : $this->write($id, $data);
    }

    public function __destruct()
    {
        $this->unlock();
    }

    /** Takes the lock of $id (blocking), releasing another id's lock first. */
    protected function lock(string $id): bool
    {
        if ($this->locked === $id) {
            return true;  // session_reset() reads again without closing
        }
        $this->unlock();
        $fp = fopen($this->dir . '/lock_' . $id, 'c');
        if ($fp === false || !flock($fp, LOCK_EX)) {
            return false;
        }
        [$this->lock, $this->locked] = [$fp, $id];
        return true;
    }

    protected function unlock(): void
    {
        if ($this->lock !== null) {
            flock($this->lock, LOCK_UN);
            fclose($this->lock);
        }
        [$this->lock, $this->locked] = [null, null];
    }

    /** Whether another request holds the lock of $id (this request's own lock does not count). */
    protected function held(string $id): bool
    {
        if ($this->locked === $id) {
            return false;
        }
        $fp = @fopen($this->dir . '/lock_' . $id, 'c');
        if ($fp === false) {
            return true;
        }
        $free = flock($fp, LOCK_EX | LOCK_NB);
        fclose($fp);  // closing releases the probe's lock
        return !$free;
    }
}
