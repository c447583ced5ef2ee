<?php

declare(strict_types=1);

// Handlers of the shapes frameworks use, as plain classes around the correct FlockFileHandler
// (PHP's session module sees the methods of the outer object only):
//   LaravelShapedHandler   SessionHandlerInterface only (Laravel's handlers)      -> basic
//   SymfonyShapedHandler   + validateId/updateTimestamp, no create_sid (Symfony)  -> no-create-sid
// tests/php/certify_class_test.sh certifies both without any wrapper of sessionspec's.

require_once __DIR__ . '/../../../adapters/php/classes/FlockFileHandler.php';

class LaravelShapedHandler implements SessionHandlerInterface
{
    protected FlockFileHandler $inner;

    public function __construct(string $dir)
    {
        $this->inner = new FlockFileHandler($dir);
    }

    public static function sessionspecGuarantees(): array
    {
        return FlockFileHandler::sessionspecGuarantees();
    }

    public function open(string $path, string $name): bool
    {
        return $this->inner->open($path, $name);
    }

    public function close(): bool
    {
        return $this->inner->close();
    }

    public function read(string $id): string|false
    {
        return $this->inner->read($id);
    }

    public function write(string $id, string $data): bool
    {
        return $this->inner->write($id, $data);
    }

    public function destroy(string $id): bool
    {
        return $this->inner->destroy($id);
    }

    public function gc(int $max_lifetime): int|false
    {
        return $this->inner->gc($max_lifetime);
    }
}

final class SymfonyShapedHandler extends LaravelShapedHandler implements SessionUpdateTimestampHandlerInterface
{
    public function validateId(string $id): bool
    {
        return $this->inner->validateId($id);
    }

    public function updateTimestamp(string $id, string $data): bool
    {
        return $this->inner->updateTimestamp($id, $data);
    }
}
