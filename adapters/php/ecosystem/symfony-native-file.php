<?php

declare(strict_types=1);

// Symfony 5.4 NativeFileSessionHandler: PHP's own files module (a \SessionHandler subclass whose
// constructor sets session.save_path to the run's fresh directory and save_handler to files).
//   sessionspec certify --handler 'php:class:adapters/php/ecosystem/symfony-native-file.php?clock=real&concurrency=serialised&expiry=gc-only&id_bytes_max=250'
// `clock=real`: the handler compares file mtimes, which the kernel stamps with the real time,
// with time(); sessionspec ages the files instead of moving time() (docs/certify.md).
// What it documents (NativeFileSessionHandler.php: "Native session handler using PHP's built in
// file storage"): the files module's guarantees (docs/certify.md, "Real PHP modules"):
// concurrency=serialised (flock from read to close), expiry=gc-only, ids up to 250 bytes.

require_once 'Symfony/Component/HttpFoundation/autoload.php';

use Symfony\Component\HttpFoundation\Session\Storage\Handler\NativeFileSessionHandler;

return static fn (array $context): NativeFileSessionHandler =>
    new NativeFileSessionHandler($context['dir']);
