<?php

declare(strict_types=1);

// Symfony 5.4 PdoSessionHandler on SQLite, lock_mode LOCK_TRANSACTIONAL (Symfony's default).
//   sessionspec certify --handler 'php:class:adapters/php/ecosystem/symfony-pdo-sqlite-transactional.php?ext=pdo,pdo_sqlite&concurrency=serialised&expiry=lazy'
// What the handler documents (PdoSessionHandler.php, the LOCK_* constants, doRead(), getSelectSql()):
// - concurrency=serialised: "Issues a real row lock. Since it uses a transaction between opening
//   and closing a session, you have to be careful when you use same database connection that you
//   also use for your application logic." On SQLite the read starts `BEGIN IMMEDIATE TRANSACTION`
//   ("we already locked when starting transaction"), committed in close(). (LOCK_ADVISORY is not
//   for SQLite: doAdvisoryLock() throws "SQLite does not support advisory locks.")
// - expiry=lazy: doRead() answers '' for a row whose sess_lifetime has passed (expire on read);
//   gc() only flags the deletion, done in close().

require_once __DIR__ . '/symfony-pdo-sqlite.inc.php';

use Symfony\Component\HttpFoundation\Session\Storage\Handler\PdoSessionHandler;

return static fn (array $context): PdoSessionHandler =>
    sessionspec_symfony_pdo_sqlite($context['dir'], PdoSessionHandler::LOCK_TRANSACTIONAL);
