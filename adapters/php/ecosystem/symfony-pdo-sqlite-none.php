<?php

declare(strict_types=1);

// Symfony 5.4 PdoSessionHandler on SQLite, lock_mode LOCK_NONE (no locking at all).
//   sessionspec certify --handler 'php:class:adapters/php/ecosystem/symfony-pdo-sqlite-none.php?ext=pdo,pdo_sqlite&concurrency=last-writer-wins&expiry=lazy'
// What the handler documents (PdoSessionHandler.php, the LOCK_* constants and doRead()):
// - concurrency=last-writer-wins: "No locking is done. This means sessions are prone to loss of
//   data due to race conditions of concurrent requests to the same session. The last session
//   write will win in this case." (LOCK_NONE);
// - expiry=lazy: doRead() answers '' for a row whose sess_lifetime has passed (expire on read);
//   gc() only flags the deletion, done in close() ("We delay gc() to close()").

require_once __DIR__ . '/symfony-pdo-sqlite.inc.php';

use Symfony\Component\HttpFoundation\Session\Storage\Handler\PdoSessionHandler;

return static fn (array $context): PdoSessionHandler =>
    sessionspec_symfony_pdo_sqlite($context['dir'], PdoSessionHandler::LOCK_NONE);
