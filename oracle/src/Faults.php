<?php

declare(strict_types=1);

namespace SessionSpec\Oracle;

/**
 * A request's injected handler answers (program "faults", a scenario's `fault` lines): the Nth call of a
 * method does not reach the handler's store and answers what the program says instead. open and close
 * still reach the handler (they hold no session data, only the module's open state, which must stay
 * consistent) and only their answer is replaced; this is the same rule as the model's.
 */
final class Faults
{
    private const METHODS = ['open', 'close', 'read', 'write', 'destroy', 'gc', 'create_sid', 'validateId',
        'updateTimestamp'];

    /** @var array<string, array<int, array{kind: string, value: mixed}>> method => occurrence => answer */
    private array $plan = [];
    /** @var array<string, int> calls seen so far per method */
    private array $seen = [];

    /** @param list<mixed> $list */
    public static function fromJson(array $list): self
    {
        $faults = new self();
        foreach ($list as $f) {
            if (!is_array($f)) {
                throw new ProgramError('each fault is an object {method, n, return|throw|timeout}');
            }
            $method = Program::field($f, 'method', 'string');
            if (!in_array($method, self::METHODS, true)) {
                throw new ProgramError("fault: unknown method $method");
            }
            $n = Program::field($f, 'n', 'integer', 1);
            $faults->plan[$method][$n] = self::answer($f);
        }
        return $faults;
    }

    /** @return array{kind: string, value: mixed} */
    private static function answer(array $f): array
    {
        $bin = Program::field($f, 'bin', 'boolean', false);
        $bytes = static fn (string $x): string => $bin ? TraceJson::codePointsToBytes($x) : $x;
        if (array_key_exists('throw', $f)) {
            return ['kind' => 'throw', 'value' => $bytes(Program::field($f, 'throw', 'string'))];
        }
        if (array_key_exists('timeout', $f)) {
            return ['kind' => 'return', 'value' => false]; // what PHP sees of a handler that did not answer
        }
        $serialized = $bytes(Program::field($f, 'return', 'string'));
        $value = @unserialize($serialized);
        if ($value === false && $serialized !== serialize(false)) {
            throw new ProgramError("fault: \"return\" is not a serialize() string: $serialized");
        }
        return ['kind' => 'return', 'value' => $value];
    }

    /** The injected answer for this call of $method, or null when the handler answers itself. */
    public function take(string $method): ?array
    {
        $n = $this->seen[$method] = ($this->seen[$method] ?? 0) + 1;
        return $this->plan[$method][$n] ?? null;
    }

    public static function reachesHandler(string $method): bool
    {
        return $method === 'open' || $method === 'close';
    }
}
