<?php

/*
 * Serves a PHP session save handler over sessionspec-handler-protocol/1 (docs/handler-protocol.md):
 * JSON lines on stdin (one call each) and stdout (one answer each).
 *
 *     php adapters/php/serve.php path/to/MyHandler.php MyHandler
 *     sessionspec check scenarios/gist/*.scn \
 *         --handler 'exec:php adapters/php/serve.php path/to/MyHandler.php MyHandler'
 *
 * MyHandler implements SessionHandlerInterface, optionally SessionIdInterface (create_sid,
 * validateId) and SessionUpdateTimestampHandlerInterface (updateTimestamp); as in PHP, the optional
 * methods are found by name. It is constructed without arguments, once per protocol session (PHP
 * makes one handler per request). A handler with a public setClock(Closure $now) method gets the
 * framework's virtual clock through it (seconds).
 */

declare(strict_types=1);

// stdout carries the protocol and nothing else: diagnostics go to stderr.
ini_set('display_errors', 'stderr');
ini_set('log_errors', '0');
error_reporting(E_ALL);

const PROTOCOL = 'sessionspec-handler-protocol/1';
const METHODS = ['open', 'close', 'read', 'write', 'destroy', 'gc', 'create_sid', 'validateId',
    'updateTimestamp'];

/** Protocol strings are byte strings: each code point below 256 is one byte (both directions). */
final class Bytes
{
    public static function toProtocol(string $bytes): string
    {
        return preg_replace_callback(
            '/[\x80-\xFF]/',
            static fn (array $m): string => chr(0xC0 | (ord($m[0]) >> 6)) . chr(0x80 | (ord($m[0]) & 0x3F)),
            $bytes,
        );
    }

    public static function fromProtocol(string $text): string
    {
        if (preg_match('//u', $text) !== 1 || preg_match('/[\x{100}-\x{10FFFF}]/u', $text) === 1) {
            throw new InvalidArgumentException('a protocol string may only hold code points below U+0100');
        }
        return preg_replace_callback(
            '/[\xC2\xC3][\x80-\xBF]/',
            static fn (array $m): string => chr(((ord($m[0][0]) & 0x1F) << 6) | (ord($m[0][1]) & 0x3F)),
            $text,
        );
    }

    public static function mapResult(mixed $value): mixed
    {
        return is_string($value) ? self::toProtocol($value) : $value;
    }
}

final class Server
{
    /** @var array<int, SessionHandlerInterface> one handler per protocol session */
    private array $handlers = [];
    private int $now = 0;
    /** @var list<string> */
    private readonly array $methods;

    /** @param class-string<SessionHandlerInterface> $class */
    public function __construct(private readonly string $class)
    {
        $this->methods = array_values(array_filter(METHODS, static fn (string $m): bool => method_exists($class, $m)));
    }

    /** @param array<string, mixed> $msg */
    public function answer(array $msg): mixed
    {
        $method = $msg['method'] ?? null;
        $args = array_map(
            static fn (mixed $a): mixed => is_string($a) ? Bytes::fromProtocol($a) : $a,
            is_array($msg['args'] ?? null) ? $msg['args'] : [],
        );
        $this->now = is_int($msg['now'] ?? null) ? $msg['now'] : time();
        $session = is_int($msg['session'] ?? null) ? $msg['session'] : 0;
        if ($method === 'hello') {
            return ['protocol' => PROTOCOL, 'methods' => $this->methods, 'name' => $this->class];
        }
        if ($method === 'end') {
            unset($this->handlers[$session]); // the end of PHP's request: the handler goes away
            return null;
        }
        if (!is_string($method) || !in_array($method, $this->methods, true)) {
            throw new BadMethodCallException('unknown or unimplemented method ' . json_encode($method));
        }
        return Bytes::mapResult($this->handler($session)->{$method}(...$args));
    }

    /** Drops every handler, so that their destructors run before the process exits. */
    public function shutdown(): void
    {
        $this->handlers = [];
    }

    private function handler(int $session): SessionHandlerInterface
    {
        if (!isset($this->handlers[$session])) {
            $handler = new ($this->class)();
            if (method_exists($handler, 'setClock')) {
                $handler->setClock(fn (): int => $this->now);
            }
            $this->handlers[$session] = $handler;
        }
        return $this->handlers[$session];
    }
}

function loadHandlerClass(array $argv): string
{
    if (count($argv) !== 3) {
        fwrite(STDERR, "usage: php serve.php path/to/MyHandler.php MyHandler\n");
        exit(2);
    }
    require $argv[1];
    $class = $argv[2];
    if (!class_exists($class) || !is_subclass_of($class, SessionHandlerInterface::class)) {
        fwrite(STDERR, "serve.php: $class is not a class implementing SessionHandlerInterface\n");
        exit(2);
    }
    return $class;
}

$server = new Server(loadHandlerClass($argv));
while (($line = fgets(STDIN)) !== false) {
    $msg = json_decode($line, true);
    if (!is_array($msg) || !isset($msg['id'])) {
        fwrite(STDERR, "serve.php: ignoring a malformed message: $line");
        continue;
    }
    try {
        $reply = ['id' => $msg['id'], 'ok' => true, 'result' => $server->answer($msg)];
    } catch (Throwable $e) {
        $reply = ['id' => $msg['id'], 'ok' => false, 'error' => $e::class . ': ' . $e->getMessage()];
    }
    // Without JSON_UNESCAPED_UNICODE, code points 0x80-0xFF leave as \u0080-\u00ff: pure ASCII.
    $json = json_encode($reply, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE);
    fwrite(STDOUT, $json . "\n");
    fflush(STDOUT);
}
$server->shutdown();
