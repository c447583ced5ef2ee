<?php

declare(strict_types=1);

// Symfony 5.4 StrictSessionHandler around NativeFileSessionHandler: what Symfony's FrameworkBundle
// registers as `session.handler.native_file` (framework.session.handler_id), the files module
// behind Symfony's AbstractSessionHandler (validateId by reading, updateTimestamp as a write,
// an empty session destroyed instead of written).
//   sessionspec certify --handler 'php:class:adapters/php/ecosystem/symfony-strict-native-file.php?clock=real&concurrency=serialised&expiry=gc-only&id_bytes_max=250'
// `clock=real`: the handler compares file mtimes, which the kernel stamps with the real time,
// with time(); sessionspec ages the files instead of moving time() (docs/certify.md).
// Guarantees: those of the files module it wraps (symfony-native-file.php).

require_once 'Symfony/Component/HttpFoundation/autoload.php';

use Symfony\Component\HttpFoundation\Session\Storage\Handler\NativeFileSessionHandler;
use Symfony\Component\HttpFoundation\Session\Storage\Handler\StrictSessionHandler;

return static fn (array $context): StrictSessionHandler =>
    new StrictSessionHandler(new NativeFileSessionHandler($context['dir']));
