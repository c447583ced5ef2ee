<?php

declare(strict_types=1);

require_once __DIR__ . '/../classes/FlockFileHandler.php';

/**
 * BROKEN on purpose: ids come from mt_rand(), which the constructor seeds with a constant (a seed
 * for reproducible tests left in production). Every PHP process then makes the same ids in the
 * same order: two visitors whose first requests run in different PHP-FPM workers get one session
 * id (sessionspec: L2.create-sid fails: ids repeat across processes).
 */
final class RepeatingIdHandler extends FlockFileHandler
{
    private const SEED = 20240229;

    public function __construct(string $dir)
    {
        parent::__construct($dir);
        mt_srand(self::SEED);
    }

    public function create_sid(): string
    {
        $alphabet = '0123456789abcdefghijklmnopqrstuv';
        $id = '';
        for ($i = 0; $i < 26; $i++) {
            $id .= $alphabet[mt_rand(0, 31)];
        }
        return $id;
    }
}
