<?php

declare(strict_types=1);

require_once __DIR__ . '/../classes/FlockFileHandler.php';

/**
 * BROKEN on purpose: ids are 16 hexadecimal digits of random_bytes(8), 64 bits, where the ini
 * asks for session.sid_length=26 characters of session.sid_bits_per_character=5 bits (130 bits).
 * Each id is random and unique, but an attacker guessing ids needs 2^66 times fewer tries than
 * the configuration promises (sessionspec: L2.create-sid fails on the entropy estimate).
 */
final class LowEntropyIdHandler extends FlockFileHandler
{
    public function create_sid(): string
    {
        return bin2hex(random_bytes(8));
    }
}
