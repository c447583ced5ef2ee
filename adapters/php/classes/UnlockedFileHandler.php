<?php

declare(strict_types=1);

require_once __DIR__ . '/FlockFileHandler.php';

/**
 * A correct file session handler without locks: FlockFileHandler's files (each written atomically
 * by rename), but no request waits for another, so the last writer wins, as with most database
 * and key-value handlers. It declares `last-writer-wins`: a lost update between two tabs is an
 * allowed finding, not a failure. A touch of a session another request destroyed meanwhile
 * writes the data again, as PHP's files module does.
 *
 * A base for deliberately broken handlers whose bug needs two requests to overlap (in
 * FlockFileHandler the second one would wait for the first).
 */
class UnlockedFileHandler extends FlockFileHandler
{
    public static function sessionspecGuarantees(): array
    {
        return ['concurrency' => 'last-writer-wins', 'expiry' => 'gc-only', 'id_bytes_max' => 250];
    }

    protected function lock(string $id): bool
    {
        return true;
    }

    protected function unlock(): void
    {
    }

    protected function held(string $id): bool
    {
        return false;
    }
}
