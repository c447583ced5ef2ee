<?php

declare(strict_types=1);

// The PHPUnit bridge on a handler sessionspec cannot use (createHandler() throws in sessionspec's
// PHP process): a PHPUnit error naming the cause, never a pass (tests/php/phpunit_bridge_test.sh).

final class UnusableHandlerTest extends SessionSpec\PHPUnit\HandlerCertificationTestCase
{
    public static function createHandler(array $context): SessionHandlerInterface
    {
        throw new RuntimeException('no database configured');
    }

    public static function certifyOptions(): array
    {
        return ['level' => 1];
    }
}
