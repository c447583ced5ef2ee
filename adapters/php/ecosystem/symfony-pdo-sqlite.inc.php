<?php

declare(strict_types=1);

// Shared by symfony-pdo-sqlite-none.php and symfony-pdo-sqlite-transactional.php: Symfony 5.4's
// PdoSessionHandler (Debian php-symfony-http-foundation) on an SQLite database in the run's fresh
// directory, built as Symfony's documentation builds it (a DSN, so that the handler opens and
// closes its own connection per request, and createTable() for the schema).

require_once 'Symfony/Component/HttpFoundation/autoload.php';

use Symfony\Component\HttpFoundation\Session\Storage\Handler\PdoSessionHandler;

/** A PdoSessionHandler in lock mode $lockMode on $dir/sessions.db (the table made once). */
function sessionspec_symfony_pdo_sqlite(string $dir, int $lockMode): PdoSessionHandler
{
    $dsn = 'sqlite:' . $dir . '/sessions.db';
    $schema = new PdoSessionHandler($dsn, ['lock_mode' => PdoSessionHandler::LOCK_NONE]);
    try {
        $schema->createTable();
    } catch (PDOException $e) {
        // Another request of the same run made it first (each request is a process of its own).
        if (!str_contains($e->getMessage(), 'already exists')) {
            throw $e;
        }
    }
    return new PdoSessionHandler($dsn, ['lock_mode' => $lockMode]);
}
