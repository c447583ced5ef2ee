<?php

declare(strict_types=1);

/**
 * What every file-backed example handler here shares: the directory it is built on, the file of a
 * session (`sess_<id>`), the ids it keeps ([A-Za-z0-9,-]{1,250}: `sess_<id>` must be a file name)
 * and an open() that only asks whether the directory is there. The handlers differ in how they
 * lock, write and expire, which is what each one demonstrates.
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

    protected function file(string $id): string
    {
        return $this->dir . '/sess_' . $id;
    }

    protected static function validId(string $id): bool
    {
        return preg_match('/\A[A-Za-z0-9,-]{1,250}\z/', $id) === 1;
    }
}
