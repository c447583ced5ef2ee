<?php

declare(strict_types=1);

// The PHPUnit bridge on a broken handler (adapters/php/broken/CaseFoldHandler.php: ids that
// differ only in case name one session): the L1.php test fails with the row's evidence and
// replay line (tests/php/phpunit_bridge_test.sh).

require_once __DIR__ . '/../../../adapters/php/broken/CaseFoldHandler.php';

final class CaseFoldHandlerTest extends SessionSpec\PHPUnit\HandlerCertificationTestCase
{
    public static function createHandler(array $context): SessionHandlerInterface
    {
        return new CaseFoldHandler($context['dir']);
    }

    public static function certifyOptions(): array
    {
        return ['level' => 1];
    }
}
