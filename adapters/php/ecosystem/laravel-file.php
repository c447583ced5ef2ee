<?php

declare(strict_types=1);

// Laravel 8 FileSessionHandler (Debian php-illuminate-session) in the run's fresh directory,
// with Laravel's session lifetime (minutes) set from session.gc_maxlifetime, as an application
// that hands it to PHP's session module would set it.
//   sessionspec certify --handler 'php:class:adapters/php/ecosystem/laravel-file.php?ext=mbstring,ctype&clock=real&concurrency=last-writer-wins&expiry=lazy'
// `clock=real`: the handler compares file mtimes, which the kernel stamps with the real time,
// with time(); sessionspec ages the files instead of moving time() (docs/certify.md).
// What the handler does (FileSessionHandler.php):
// - concurrency=last-writer-wins: read() is Filesystem::sharedGet() (a shared flock for the read
//   only), write() Filesystem::put(..., lock: true) (an exclusive flock for the write only);
//   nothing is held from read to write;
// - expiry=lazy: read() answers '' for a file older than `minutes` (expire on read); gc() deletes
//   files older than its argument. Laravel counts the lifetime in minutes, and
//   Carbon::subMinutes() drops a fraction: a gc_maxlifetime that is not a multiple of 60 expires
//   sessions early (docs/certified-handlers.md).

require_once 'Illuminate/Session/autoload.php';

use Illuminate\Filesystem\Filesystem;
use Illuminate\Session\FileSessionHandler;

return static fn (array $context): FileSessionHandler => new FileSessionHandler(
    new Filesystem(),
    $context['dir'],
    (int) ini_get('session.gc_maxlifetime') / 60,
);
