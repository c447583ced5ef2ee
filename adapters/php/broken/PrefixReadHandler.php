<?php

declare(strict_types=1);

require_once __DIR__ . '/../classes/FlockFileHandler.php';

/**
 * BROKEN on purpose: read() looks the session up by a pattern that matches every id starting with
 * the given id and takes the first match, as `SELECT data FROM sessions WHERE id LIKE :id || '%'`
 * or a glob on `sess_<id>*` does. A visitor who sends the cookie abc123 gets the session of
 * abc123def (sessionspec: L1.php fails on php-id-prefix-match).
 */
final class PrefixReadHandler extends FlockFileHandler
{
    public function read(string $id): string|false
    {
        if (!self::validId($id) || !$this->lock($id)) {
            return false;
        }
        clearstatcache();
        $files = glob($this->file($id) . '*') ?: [];
        $data = $files === [] ? false : @file_get_contents($files[0]);
        return $data === false ? '' : $data;
    }
}
