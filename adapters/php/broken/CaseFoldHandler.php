<?php

declare(strict_types=1);

require_once __DIR__ . '/../classes/FlockFileHandler.php';

/**
 * BROKEN on purpose: session ids are folded to lower case before they name a file, as a handler
 * over a case-insensitive store does (a MySQL VARCHAR id column with a *_ci collation, a
 * case-insensitive file system). Ids that differ only in case then name one session: a visitor
 * who sends ABC123 gets the session of abc123 (sessionspec: L1.php fails on php-id-exact-match).
 */
final class CaseFoldHandler extends FlockFileHandler
{
    protected function file(string $id): string
    {
        return parent::file(strtolower($id));
    }
}
