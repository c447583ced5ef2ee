<?php

declare(strict_types=1);

namespace SessionSpec\PHPUnit;

/**
 * The options of one certify run: built-in defaults, overridden by the test class's
 * certifyOptions(), overridden by the environment (so that CI can raise a budget without editing
 * the test). A budget left null is certify's own default (docs/certify.md, "Options").
 */
final class Options
{
    /** Option => environment variable. */
    public const ENV = [
        'binary' => 'SESSIONSPEC_BIN',
        'level' => 'SESSIONSPEC_LEVEL',
        'seed' => 'SESSIONSPEC_SEED',
        'cases' => 'SESSIONSPEC_CASES',
        'schedules' => 'SESSIONSPEC_SCHEDULES',
        'process_schedules' => 'SESSIONSPEC_PROCESS_SCHEDULES',
        'timeout_s' => 'SESSIONSPEC_TIMEOUT_S',
        'report' => 'SESSIONSPEC_REPORT',
        'bootstrap_dir' => 'SESSIONSPEC_BOOTSTRAP_DIR',
    ];

    /** The numeric options and their ranges (certify's, docs/certify.md; timeout_s: ours). */
    private const RANGES = [
        'level' => [1, 3],
        'seed' => [0, PHP_INT_MAX],
        'cases' => [1, 100000],
        'schedules' => [1, 1000000],
        'process_schedules' => [1, 100000],
        'timeout_s' => [1, 86400],
    ];

    /**
     * @param array<string, mixed> $fromClass certifyOptions()
     * @param array<string, string> $environment getenv()
     * @return array<string, mixed> every key of self::defaults()
     */
    public static function resolve(array $fromClass, array $environment): array
    {
        $options = self::defaults();
        foreach ($fromClass as $key => $value) {
            if (!array_key_exists($key, $options)) {
                throw new CertifyError("certifyOptions(): unknown option '$key'");
            }
            $options[$key] = $value;
        }
        foreach (self::ENV as $key => $variable) {
            if (isset($environment[$variable]) && $environment[$variable] !== '') {
                $options[$key] = $environment[$variable];
            }
        }
        foreach (self::RANGES as $key => [$min, $max]) {
            $options[$key] = self::number($key, $options[$key], $min, $max);
        }
        return $options;
    }

    /** @return array<string, mixed> */
    private static function defaults(): array
    {
        return [
            'binary' => 'sessionspec',
            'level' => 3,
            'seed' => 1,
            'cases' => null,
            'schedules' => null,
            'process_schedules' => null,
            // A run of certify has budgets, but an upper bound keeps a wedged one from
            // hanging the test suite.
            'timeout_s' => 1800,
            'report' => null,
            'extensions' => [],
            'only' => [],
            'bootstrap_dir' => sys_get_temp_dir() . '/sessionspec-phpunit',
        ];
    }

    private static function number(string $key, mixed $value, int $min, int $max): ?int
    {
        if ($value === null) {
            return null;
        }
        $text = (string) $value;
        if (!preg_match('/^[0-9]{1,18}$/', $text) || (int) $text < $min || (int) $text > $max) {
            $variable = self::ENV[$key];
            throw new CertifyError(
                "option $key (certifyOptions() or $variable): '$text' is not a number in $min..$max"
            );
        }
        return (int) $text;
    }
}
