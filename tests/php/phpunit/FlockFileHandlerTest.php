<?php

declare(strict_types=1);

// The PHPUnit bridge on a correct handler (tests/php/phpunit_bridge_test.sh): every row passes.

require_once __DIR__ . '/../../../adapters/php/classes/FlockFileHandler.php';

final class FlockFileHandlerTest extends SessionSpec\PHPUnit\HandlerCertificationTestCase
{
    public static function createHandler(array $context): SessionHandlerInterface
    {
        return new FlockFileHandler($context['dir']);
    }

    public static function certifyOptions(): array
    {
        // L1 and a few generated L2 cases: seconds, not minutes.
        return ['level' => 2, 'cases' => 3];
    }
}
