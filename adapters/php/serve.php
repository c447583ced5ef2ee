<?php

/*
 * Serves a PHP session save handler over sessionspec-handler-protocol/1 (docs/handler-protocol.md):
 * JSON lines on stdin (one call each) and stdout (one answer each).
 *
 *     php adapters/php/serve.php path/to/bootstrap.php
 *     php adapters/php/serve.php path/to/MyHandler.php MyHandler
 *     sessionspec certify --handler 'exec:php adapters/php/serve.php path/to/bootstrap.php'
 *
 * Bootstrap form (one argument): the file is loaded exactly as `php:class:` loads it
 * (oracle/src/UserClass.php, docs/certify.md "Your PHP handler class"): it returns the handler
 * object, or a callable that takes the context and returns a new one. The context comes in the
 * framework's `fresh` message (dir, prefix, tag, redis_port, memcached_port, plus `clock`, the
 * virtual clock as a Closure(): int), so the greeting asks for it; the answer to `fresh` names
 * the handler's methods and the guarantees it declares (sessionspecGuarantees() or
 * #[SessionSpec\Guarantees]). The greeting also asks for one process per request
 * (`"processes":"per-request"`): each process builds its handler from the same context, so
 * locks contend between requests as under PHP-FPM.
 *
 * Class form (two arguments): MyHandler is constructed without arguments, once per protocol
 * session, and every request is a session of this one process.
 *
 * Either way the class implements SessionHandlerInterface, optionally SessionIdInterface
 * (create_sid, validateId) and SessionUpdateTimestampHandlerInterface (updateTimestamp); as in
 * PHP, the optional methods are found by name. A handler with a public setClock(Closure $now)
 * method gets the framework's virtual clock through it (seconds). Whatever the handler or the
 * bootstrap prints (echo, warnings) goes to stderr: stdout carries the protocol only.
 */

declare(strict_types=1);

// stdout carries the protocol and nothing else. The answers go to a stream of their own, opened
// before any user code runs; PHP's output (echo, print, a stray closing tag) is captured and
// goes to stderr, and so do diagnostics.
$protocolOut = fopen('php://stdout', 'w');
ob_start(static function (string $buffer): string {
    if ($buffer !== '') {
        fwrite(STDERR, $buffer);
    }
    return '';
}, 1);
ini_set('display_errors', 'stderr');
ini_set('log_errors', '0');
error_reporting(E_ALL);

use SessionSpec\Oracle\UserClassLoader;
use SessionSpec\Oracle\UserClassShape;

/** The bootstrap form loads bootstraps with php:class:'s own loader, from this checkout. */
function loadBootstrapLoader(): void
{
    $src = __DIR__ . '/../../oracle/src';
    if (!is_file("$src/UserClass.php")) {
        fwrite(STDERR, "serve.php: the bootstrap form needs sessionspec's oracle/src next to adapters/php "
            . "(run serve.php from its checkout)\n");
        exit(2);
    }
    require "$src/load.php";
}

/** Runs a call into the handler; in the bootstrap form its PHP diagnostics say "handler:". */
function quietly(\Closure $body): mixed
{
    return class_exists(UserClassLoader::class, false) ? UserClassLoader::quietly($body) : $body();
}

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

/**
 * PHP's own clock in the bootstrap form follows the framework's virtual clock, as under
 * php:class: the process re-executes itself once (the same command line, from /proc) with
 * libfaketime preloaded (Debian `faketime`), and before each handler call freezes PHP's time at
 * the call's `now` (FAKETIME, which libfaketime reads on every call). File times and the
 * monotonic clock stay real, as for php:class. Without libfaketime or pcntl, or with
 * SESSIONSPEC_SERVE_CLOCK=real, time() is real and only setClock()/the context's clock follow.
 */
final class PhpClock
{
    private const LIBRARY = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
    private static ?int $shown = null;

    public static function takeOver(): void
    {
        if (getenv('SESSIONSPEC_SERVE_CLOCK') !== false || !is_readable(self::LIBRARY)
            || !function_exists('pcntl_exec')) {
            return;
        }
        $cmdline = @file_get_contents('/proc/self/cmdline');
        if ($cmdline === false || $cmdline === '') {
            return;
        }
        $preload = getenv('LD_PRELOAD');
        $env = array_merge(getenv(), [
            'SESSIONSPEC_SERVE_CLOCK' => 'faketime',
            'TZ' => 'UTC',
            'LD_PRELOAD' => self::LIBRARY . ($preload === false || $preload === '' ? '' : ":$preload"),
            'FAKETIME' => gmdate('Y-m-d H:i:s'),
            'FAKETIME_NO_CACHE' => '1',
            'NO_FAKE_STAT' => '1',
            'FAKETIME_DONT_FAKE_MONOTONIC' => '1',
        ]);
        @pcntl_exec(PHP_BINARY, array_slice(explode("\0", rtrim($cmdline, "\0")), 1), $env);
        // Only a failed exec returns: PHP keeps real time.
    }

    /** Freezes PHP's time at $now (nothing unless takeOver() re-executed the process). */
    public static function show(int $now): void
    {
        if (getenv('SESSIONSPEC_SERVE_CLOCK') !== 'faketime' || self::$shown === $now) {
            return;
        }
        putenv('FAKETIME=' . gmdate('Y-m-d H:i:s', $now));
        self::$shown = $now;
    }
}

/** How the handler is made: a class constructed without arguments, or a bootstrap file. */
final class Source
{
    private function __construct(public readonly ?string $class, public readonly ?string $bootstrap)
    {
    }

    /** @param list<string> $argv */
    public static function fromArgv(array $argv): self
    {
        if (count($argv) === 2) {
            $file = realpath($argv[1]);
            if ($file === false || !is_file($file)) {
                fwrite(STDERR, "serve.php: bootstrap file {$argv[1]} does not exist\n");
                exit(2);
            }
            loadBootstrapLoader();
            return new self(null, $file);
        }
        if (count($argv) !== 3) {
            fwrite(STDERR, "usage: php serve.php BOOTSTRAP.php | php serve.php MyHandler.php MyHandler\n");
            exit(2);
        }
        require $argv[1];
        $class = $argv[2];
        if (!class_exists($class) || !is_subclass_of($class, SessionHandlerInterface::class)) {
            fwrite(STDERR, "serve.php: $class is not a class implementing SessionHandlerInterface\n");
            exit(2);
        }
        return new self($class, null);
    }
}

final class Server
{
    /** @var array<int, object> one handler per protocol session */
    private array $handlers = [];
    private int $now = 0;
    /** @var list<string> */
    private array $methods = [];
    /** @var array<string, mixed>|null the context of `fresh` (bootstrap form) */
    private ?array $context = null;

    public function __construct(private readonly Source $source)
    {
        if ($source->class !== null) {
            $this->methods = self::methodsOf($source->class);
        }
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
            return $this->hello();
        }
        if ($method === 'fresh' && $this->source->bootstrap !== null) {
            return $this->fresh($msg['args'][0] ?? null);
        }
        if ($method === 'end') {
            unset($this->handlers[$session]); // the end of PHP's request: the handler goes away
            return null;
        }
        if (!is_string($method) || !in_array($method, $this->methods, true)) {
            throw new BadMethodCallException('unknown or unimplemented method ' . json_encode($method));
        }
        if ($this->source->bootstrap !== null) {
            PhpClock::show($this->now);
        }
        $handler = $this->handler($session);
        return Bytes::mapResult(quietly(static fn (): mixed => $handler->{$method}(...$args)));
    }

    /** Drops every handler, so that their destructors run before the process exits. */
    public function shutdown(): void
    {
        $this->handlers = [];
    }

    /** @return array<string, mixed> */
    private function hello(): array
    {
        if ($this->source->class !== null) {
            return ['protocol' => PROTOCOL, 'methods' => $this->methods, 'name' => $this->source->class];
        }
        // The handler is built from the context, which `fresh` brings: its answer names the rest.
        return ['protocol' => PROTOCOL, 'methods' => ['fresh'], 'name' => basename($this->source->bootstrap),
            'processes' => 'per-request'];
    }

    /**
     * The bootstrap form's context: builds a handler with it, as php:class does, and answers
     * what the handler is (its methods, class and declared guarantees).
     *
     * @return array<string, mixed>
     */
    private function fresh(mixed $context): array
    {
        if (!is_array($context) || !is_string($context['dir'] ?? null)) {
            throw new InvalidArgumentException('fresh needs a context object with a dir');
        }
        $this->context = ['clock' => fn (): int => $this->now] + $context;
        $this->handlers = [];
        $handler = $this->build();
        $this->methods = self::methodsOf($handler::class);
        $guarantees = UserClassShape::guarantees($handler);
        $answer = ['methods' => $this->methods, 'name' => $handler::class];
        if ($guarantees !== null) {
            $answer['guarantees'] = (object) $guarantees['values'];
        }
        return $answer;
    }

    private function build(): object
    {
        if ($this->source->class !== null) {
            $handler = quietly(fn (): object => new ($this->source->class)());
        } elseif ($this->context === null) {
            throw new LogicException('the bootstrap form needs the `fresh` context first');
        } else {
            $handler = UserClassLoader::instance($this->source->bootstrap, $this->context);
        }
        if (method_exists($handler, 'setClock')) {
            quietly(fn (): mixed => $handler->setClock(fn (): int => $this->now));
        }
        return $handler;
    }

    private function handler(int $session): object
    {
        return $this->handlers[$session] ??= $this->build();
    }

    /** @return list<string> the protocol methods $class has, found by name as PHP does */
    private static function methodsOf(string $class): array
    {
        return array_values(array_filter(METHODS, static fn (string $m): bool => method_exists($class, $m)));
    }
}

$source = Source::fromArgv($argv);
if ($source->bootstrap !== null) {
    PhpClock::takeOver();
}
$server = new Server($source);
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
    fwrite($protocolOut, $json . "\n");
    fflush($protocolOut);
}
$server->shutdown();
