<?php

// A handler whose write() over a stored session never returns (it waits for something that never
// comes; seeding a new session works), declared
// last-writer-wins: a request stuck in it must be a progress failure naming write(), never an
// allowed lost update (tests/php/certify_class_test.sh).

require_once __DIR__ . '/../../../adapters/php/classes/FlockFileHandler.php';

final class HangInWriteHandler extends FlockFileHandler
{
    public static function sessionspecGuarantees(): array
    {
        return ['concurrency' => 'last-writer-wins'];
    }

    public function write(string $id, string $data): bool
    {
        if (is_file($this->file($id))) {
            sleep(3600);
        }
        return parent::write($id, $data);
    }
}

return static fn (array $context): HangInWriteHandler => new HangInWriteHandler($context['dir']);
