<?php

declare(strict_types=1);

namespace SessionSpec\Oracle;

/** The program file is malformed: the harness prints the reason on stderr and exits 2, before any trace. */
final class ProgramError extends \RuntimeException
{
}

/** One request of a scenario, as the C++ side hands it over (see README.md, "Program format"). */
final class Program
{
    public const VARIANTS = ['full', 'basic', 'sessionhandler'];
    /** Session modules a `sessionhandler` wrapper may proxy in real-engine mode (README, "Modules"). */
    public const MODULES = ['files', 'redis', 'rediscluster'];

    /**
     * @param array<string, string> $ini session ini settings, keys without the "session." prefix
     * @param list<array{id: string, data: string, mtime: int}> $seed
     * @param list<Call> $calls
     */
    private function __construct(
        public readonly string $scenario,
        public readonly int $request,
        public readonly int $seqStart,
        public readonly string $variant,
        public readonly array $ini,
        public readonly ?string $cookie,
        public readonly ?string $storeFile,
        public readonly int $now,
        public readonly array $seed,
        public readonly array $calls,
        public readonly ?string $module = null,
        public readonly bool $fresh = false,
        public readonly bool $pause = false,
        public readonly ?Faults $faults = null,
        public readonly bool $registerShutdown = true,
        public readonly ?string $query = null,
    ) {
    }

    public static function fromFile(string $path): self
    {
        $text = @file_get_contents($path);
        if ($text === false) {
            throw new ProgramError("cannot read $path");
        }
        return self::fromText($text, $path);
    }

    /** A program as JSON text; $origin names it in errors (a file, or the worker's input line). */
    public static function fromText(string $text, string $origin): self
    {
        try {
            $json = json_decode($text, true, 64, JSON_THROW_ON_ERROR);
        } catch (\JsonException $e) {
            throw new ProgramError("$origin: " . $e->getMessage());
        }
        if (!is_array($json) || array_is_list($json)) {
            throw new ProgramError("$origin: a program is a JSON object");
        }
        return self::fromArray($json);
    }

    /** @param array<string, mixed> $p */
    public static function fromArray(array $p): self
    {
        $variant = self::field($p, 'variant', 'string', 'full');
        if (!in_array($variant, self::VARIANTS, true)) {
            throw new ProgramError("variant must be one of " . implode(', ', self::VARIANTS));
        }
        $storeFile = self::field($p, 'store_file', 'string', null);
        if ($storeFile === null && $variant !== 'sessionhandler') {
            throw new ProgramError("variant $variant needs store_file");
        }
        $module = self::field($p, 'module', 'string', null);
        if ($module !== null && !in_array($module, self::MODULES, true)) {
            throw new ProgramError('module must be one of ' . implode(', ', self::MODULES));
        }
        if ($module !== null && $variant !== 'sessionhandler') {
            throw new ProgramError('a module is proxied by the sessionhandler variant only');
        }
        $bin = self::field($p, 'bin', 'boolean', false);
        $cookie = self::field($p, 'cookie', 'string', null);
        $now = self::field($p, 'now', 'integer', 1700000000);
        return new self(
            scenario: self::field($p, 'scenario', 'string', 'oracle'),
            request: self::field($p, 'request', 'integer', 1),
            seqStart: self::field($p, 'seq_start', 'integer', 0),
            variant: $variant,
            ini: self::ini(self::field($p, 'ini', 'array', [])),
            cookie: $cookie !== null && $bin ? TraceJson::codePointsToBytes($cookie) : $cookie,
            storeFile: $storeFile,
            now: $now,
            seed: array_map(static fn (mixed $s): array => self::seedRecord($s, $now), self::field($p, 'seed', 'array', [])),
            calls: array_map(static fn (mixed $c): Call => Call::fromJson($c), self::field($p, 'calls', 'array', [])),
            module: $module,
            fresh: self::field($p, 'fresh', 'boolean', false),
            pause: self::field($p, 'pause', 'boolean', false),
            faults: Faults::fromJson(self::field($p, 'faults', 'array', [])),
            registerShutdown: self::field($p, 'register_shutdown', 'boolean', true),
            query: self::field($p, 'query', 'string', null),
        );
    }

    /** Run options may be strings, numbers or booleans in JSON; PHP's ini wants strings. */
    private static function ini(array $ini): array
    {
        $out = [];
        foreach ($ini as $key => $value) {
            if (!is_scalar($value)) {
                throw new ProgramError("ini $key must be a scalar");
            }
            $out[(string) $key] = is_bool($value) ? ($value ? '1' : '0') : (string) $value;
        }
        return $out;
    }

    /** {"id", "data", optional "bin", "mtime" or "age_s" (default: mtime = now)} */
    private static function seedRecord(mixed $s, int $now): array
    {
        if (!is_array($s)) {
            throw new ProgramError('each seed is an object {id, data, [mtime|age_s], [bin]}');
        }
        $bin = self::field($s, 'bin', 'boolean', false);
        $bytes = static fn (string $x): string => $bin ? TraceJson::codePointsToBytes($x) : $x;
        $mtime = self::field($s, 'mtime', 'integer', null) ?? $now - self::field($s, 'age_s', 'integer', 0);
        return [
            'id' => $bytes(self::field($s, 'id', 'string')),
            'data' => $bytes(self::field($s, 'data', 'string')),
            'mtime' => $mtime,
        ];
    }

    /**
     * A typed field; $default null with no fourth argument means required.
     *
     * @param array<string, mixed> $a
     */
    public static function field(array $a, string $name, string $type, mixed ...$default): mixed
    {
        if (!array_key_exists($name, $a) || ($a[$name] === null && $default !== [])) {
            if ($default === []) {
                throw new ProgramError("missing field \"$name\"");
            }
            return $default[0];
        }
        if (gettype($a[$name]) !== $type) {
            throw new ProgramError("field \"$name\" must be of type $type");
        }
        return $a[$name];
    }
}
