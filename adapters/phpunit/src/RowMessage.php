<?php

declare(strict_types=1);

namespace SessionSpec\PHPUnit;

/**
 * The message of a certificate row's test: its verdict, the row id, its evidence, every failing
 * scenario of an L1 row, an L2 counterexample, and the replay line that reproduces it.
 */
final class RowMessage
{
    /** @param array<string, mixed> $row a row of certificate.json's `verdicts` */
    public static function of(array $row): string
    {
        $lines = [sprintf('%s: %s %s', $row['verdict'] ?? 'error', $row['handler'] ?? '?',
            $row['property'] ?? '?')];
        $lines[] = rtrim((string) ($row['evidence'] ?? ''));
        foreach (array_slice($row['failing'] ?? [], 1) as $failing) {
            $lines[] = sprintf('also %s: %s', $failing['scenario'], $failing['failure']);
            $lines[] = '  replay: ' . $failing['replay'];
        }
        if (isset($row['counterexample'])) {
            $lines[] = 'counterexample:';
            $lines[] = rtrim((string) $row['counterexample']);
        }
        if (isset($row['replay'])) {
            $lines[] = 'replay: ' . $row['replay'];
        }
        return implode("\n", $lines);
    }
}
