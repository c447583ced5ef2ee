<?php

// A correct handler (FlockFileHandler) that talks: read() echoes and raises a warning, and so does
// the bootstrap. Served by adapters/php/serve.php, none of it may reach the protocol stream
// (tests/php/exec_serve_test.sh).

require_once __DIR__ . '/../../../adapters/php/classes/FlockFileHandler.php';

final class EchoingHandler extends FlockFileHandler
{
    public function read(string $id): string|false
    {
        echo "EchoingHandler: reading $id\n";
        trigger_error('EchoingHandler: a warning in read()', E_USER_WARNING);
        return parent::read($id);
    }
}

echo "the bootstrap says hello\n";

return static fn (array $context): EchoingHandler => new EchoingHandler($context['dir']);
