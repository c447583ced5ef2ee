<?php

declare(strict_types=1);

namespace SessionSpec\Oracle;

/** How PHP values appear in the trace. */
final class Values
{
    /** The memory limit before "exhaust_memory" (model::exhaust_memory_limit_bytes). */
    public const EXHAUST_MEMORY_LIMIT_BYTES = 32 * 1024 * 1024;

    /** PHP's memory-limit message without "(tried to allocate N bytes)", which depends on the allocation. */
    public static function memoryExhausted(): string
    {
        return 'Allowed memory size of ' . self::EXHAUST_MEMORY_LIMIT_BYTES . ' bytes exhausted';
    }

    /**
     * null, bool, int and string as JSON; anything else (float, array, object) as {"php": serialize(v)},
     * because JSON would lose the difference between 2.0 and 2, list and map, or an object's class.
     */
    public static function render(mixed $value): mixed
    {
        if ($value === null || is_bool($value) || is_int($value) || is_string($value)) {
            return $value;
        }
        return ['php' => serialize($value)];
    }

    /**
     * The `status`, `id` and `session` fields of script and response events.
     *
     * @return array{status: string, id: string|false, session: ?string}
     */
    public static function sessionState(): array
    {
        return [
            'status' => match (session_status()) {
                PHP_SESSION_ACTIVE => 'active',
                PHP_SESSION_NONE => 'none',
                default => 'disabled',
            },
            'id' => session_id(),
            'session' => isset($_SESSION) ? serialize($_SESSION) : null,
        ];
    }

    /**
     * A fatal error's message as the trace records it. PHP's "Uncaught ..." text holds the exception's
     * __toString(): the innermost exception first, each outer one after "Next ", each with file, line and
     * stack trace. The trace keeps "Uncaught <Class>: <message>" of the outermost one (what a catch would
     * have caught), as the worker records it from the exception object.
     */
    public static function fatalMessage(string $message): string
    {
        if (str_starts_with($message, 'Allowed memory size of ')) {
            return explode(' (tried to allocate', $message)[0];
        }
        if (!str_starts_with($message, 'Uncaught ')) {
            return $message;
        }
        $parts = explode("\n\nNext ", substr($message, strlen('Uncaught ')));
        $outer = explode("\nStack trace:", (string) end($parts))[0];
        return 'Uncaught ' . preg_replace('/^(.*) in [^\n]*:\d+$/s', '$1', $outer);
    }

    /** What the trace records of an exception that escaped the end of the request (worker). */
    public static function uncaught(\Throwable $e): string
    {
        return 'Uncaught ' . $e::class . ': ' . $e->getMessage();
    }
}
