<?php

// A handler that declares a concurrency no handler can have: certify refuses it as an input error
// naming the field and the value (tests/php/exec_serve_test.sh).

require_once __DIR__ . '/../../../adapters/php/classes/FlockFileHandler.php';

final class BadGuaranteeHandler extends FlockFileHandler
{
    public static function sessionspecGuarantees(): array
    {
        return ['concurrency' => 'eventual'];
    }
}

return static fn (array $context): BadGuaranteeHandler => new BadGuaranteeHandler($context['dir']);
