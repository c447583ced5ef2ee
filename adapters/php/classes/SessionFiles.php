<?php

declare(strict_types=1);

/**
 * What every file-backed example handler here shares: the directory it is built on, the file of a
 * session (`sess_<id>`), the ids it keeps ([A-Za-z0-9,-]{1,250}: `sess_<id>` must be a file name),
 * an open() that only asks whether the directory is there, destroy(), gc by file age and an
 * atomic whole-file write. The
 * handlers differ in how they lock, write and expire, which is what each one demonstrates.
 */
trait SessionFiles
{
    public function __construct(protected readonly string $dir)
    {
    }

    public function open(string $path, string $name): bool
    {
        return is_dir($this->dir);
    }

    public function destroy(string $id): bool
    {
        if (!self::validId($id)) {
            return false;
        }
        clearstatcache();
        return !is_file($this->file($id)) || unlink($this->file($id));
    }

    /**
     * Deletes the session files last written or touched more than $max_lifetime seconds ago,
     * except those $spare keeps (given the id), and answers how many it deleted. A file another
     * request removed meanwhile is not an error.
     */
    protected function removeExpired(int $max_lifetime, ?Closure $spare = null): int
    {
        $removed = 0;
        clearstatcache();
        foreach (glob($this->dir . '/sess_*') ?: [] as $file) {
            $mtime = @filemtime($file);
            if ($mtime === false || $mtime >= time() - $max_lifetime) {
                continue;
            }
            if ($spare !== null && $spare(substr(basename($file), 5))) {
                continue;
            }
            $removed += @unlink($file) ? 1 : 0;
        }
        return $removed;
    }

    protected function file(string $id): string
    {
        return $this->dir . '/sess_' . $id;
    }

    /**
     * Writes the whole session atomically (a temporary file renamed over it), its mtime the time
     * of the write: a reader never sees half a session, and a crash leaves the old one.
     */
    protected function store(string $id, string $data): bool
    {
        $tmp = $this->dir . '/.tmp-' . getmypid() . '-' . $id;
        if (file_put_contents($tmp, $data) !== strlen($data) || !touch($tmp, time())) {
            return false;
        }
        return rename($tmp, $this->file($id));
    }

    protected static function validId(string $id): bool
    {
        return preg_match('/\A[A-Za-z0-9,-]{1,250}\z/', $id) === 1;
    }
}
