<?php

declare(strict_types=1);

require_once __DIR__ . '/../classes/FlockFileHandler.php';

/**
 * BROKEN on purpose: session data is cut to 65,535 bytes when it is stored, as a MySQL `TEXT`
 * column does outside strict mode (with a warning nobody reads). write() answers true; the next
 * request reads a session whose last value is cut off, which PHP cannot decode, so the visitor
 * gets an empty session (sessionspec: L2.generated fails, the shrunk case sets one value of 64 KiB).
 */
final class SizeLimitHandler extends FlockFileHandler
{
    /** What a `TEXT` column holds. */
    private const DATA_BYTES_MAX = 65535;

    protected function store(string $id, string $data): bool
    {
        return parent::store($id, substr($data, 0, self::DATA_BYTES_MAX));
    }
}
