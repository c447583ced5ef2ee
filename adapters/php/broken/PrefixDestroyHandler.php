<?php

declare(strict_types=1);

require_once __DIR__ . '/../classes/FlockFileHandler.php';

/**
 * BROKEN on purpose: destroy() removes every session whose id starts with the given id, as
 * `DELETE FROM sessions WHERE id LIKE :id || '%'` or a glob on `sess_<id>*` does. A visitor who
 * logs out with the id abc123 also logs out the visitor holding abc123def
 * (sessionspec: L1.php fails on php-id-prefix-match).
 */
final class PrefixDestroyHandler extends FlockFileHandler
{
    public function destroy(string $id): bool
    {
        if (!self::validId($id)) {
            return false;
        }
        clearstatcache();
        foreach (glob($this->file($id) . '*') ?: [] as $file) {
            unlink($file);
        }
        return true;
    }
}
