<?php

declare(strict_types=1);

namespace SessionSpec\Oracle;

/**
 * One script call of the program, validated up front so that a malformed program fails before PHP's
 * session module has seen anything. `args` is what the trace shows; `params` is what the call uses.
 */
final class Call
{
    /** op => [parameter => type] (all optional except where Call::REQUIRED lists them) */
    private const OPS = [
        'session_start' => ['options' => 'array'],
        'session_write_close' => [],
        'session_commit' => [],
        'session_regenerate_id' => ['delete' => 'boolean'],
        'session_reset' => [],
        'session_id' => ['id' => 'string'],
        'session_destroy' => [],
        'session_abort' => [],
        'session_unset' => [],
        'session_gc' => [],
        'session_status' => [],
        'session_create_id' => ['prefix' => 'string'],
        'set' => ['key' => 'key', 'value' => 'string'],
        'push' => ['key' => 'key', 'value' => 'string'],
        'incr' => ['key' => 'key'],
        'unset' => ['key' => 'key'],
        'get' => ['key' => 'key'],
        'advance' => ['seconds' => 'integer'],
        'yield' => [],
        'exit' => [],
        'throw' => ['message' => 'string'],
        'fatal' => ['message' => 'string'],
        'exhaust_memory' => [],
        'on_shutdown' => ['call' => 'array', 'text' => 'string'],
        'session_register_shutdown' => [],
        'session_encode' => [],
        'session_decode' => ['data' => 'string'],
        'ini_get' => ['key' => 'string'],
        'ini_set' => ['key' => 'string', 'value' => 'string'],
        'sid' => [],
        'dump' => [],
    ];
    private const REQUIRED = ['key', 'value', 'seconds', 'call', 'text'];
    /** Calls a shutdown function may make (not one that ends or shapes the request itself). */
    private const NOT_AT_SHUTDOWN = ['exit', 'fatal', 'exhaust_memory', 'on_shutdown', 'session_register_shutdown',
        'yield', 'advance'];

    /**
     * @param array<string, mixed> $params decoded parameters (value = the unserialized PHP value)
     * @param list<mixed> $args
     */
    private function __construct(
        public readonly string $op,
        public readonly array $params,
        public readonly array $args,
    ) {
    }

    public static function fromJson(mixed $c): self
    {
        if (!is_array($c) || !is_string($c['op'] ?? null) || !isset(self::OPS[$c['op']])) {
            throw new ProgramError('each call is an object whose "op" is one of ' . implode(' ', array_keys(self::OPS)));
        }
        $op = $c['op'];
        $bin = Program::field($c, 'bin', 'boolean', false);
        $params = [];
        foreach (self::OPS[$op] as $name => $type) {
            $value = self::param($c, $op, $name, $type);
            if ($value === null) {
                continue;
            }
            if ($bin && is_string($value)) {
                $value = TraceJson::codePointsToBytes($value); // "bin": strings are byte strings
            }
            $params[$name] = match (true) {
                $name === 'value' && $op !== 'ini_set' => self::unserialize($op, $value),
                $name === 'call' => self::deferred($value),
                default => $value,
            };
        }
        return new self($op, $params, self::traceArgs($op, $params));
    }

    /** on_shutdown's call: any script call a shutdown function can make. */
    private static function deferred(array $c): self
    {
        $call = self::fromJson($c);
        if (in_array($call->op, self::NOT_AT_SHUTDOWN, true)) {
            throw new ProgramError("on_shutdown: {$call->op} cannot be a shutdown function's call");
        }
        return $call;
    }

    private static function param(array $c, string $op, string $name, string $type): mixed
    {
        $value = $c[$name] ?? null;
        if ($value === null) {
            if (in_array($name, self::REQUIRED, true)) {
                throw new ProgramError("$op needs \"$name\"");
            }
            return null;
        }
        // A key is a string or an int (a JSON number): PHP arrays treat "7" and 7 alike anyway.
        $ok = $type === 'key' ? is_string($value) || is_int($value) : gettype($value) === $type;
        if (!$ok) {
            throw new ProgramError("$op: \"$name\" must be of type " . ($type === 'key' ? 'string|int' : $type));
        }
        return $value;
    }

    /** `value` is the PHP serialize() form of the value to store (so floats, objects... are exact). */
    private static function unserialize(string $op, string $serialized): mixed
    {
        $value = @unserialize($serialized);
        if ($value === false && $serialized !== serialize(false)) {
            throw new ProgramError("$op: \"value\" is not a serialize() string: $serialized");
        }
        return $value;
    }

    /** The call's arguments as the trace shows them (PHP values rendered like results). */
    private static function traceArgs(string $op, array $params): array
    {
        return match ($op) {
            'session_start' => isset($params['options']) && $params['options'] !== [] ? [$params['options']] : [],
            'set', 'push' => [$params['key'], Values::render($params['value'])],
            'on_shutdown' => [$params['text']],
            default => array_values($params),
        };
    }
}
