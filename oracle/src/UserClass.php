<?php

declare(strict_types=1);

namespace SessionSpec\Oracle;

/**
 * A user's save-handler class, run by PHP's own session module (`php:class:BOOTSTRAP`,
 * docs/certify.md, "Your PHP handler class").
 *
 * The bootstrap file is `require`d once per PHP process (each request is a process of its own)
 * with `$context` in scope, and returns the handler object, or a callable that takes the context
 * and returns a new handler object (then every instance the harness needs, seeding included, is
 * a new one). It may declare the class itself or load it (require_once, an autoloader). The
 * context names a store location nobody else uses (a fresh one per scenario, property case and
 * schedule):
 *
 *   dir         a scratch directory of its own (created, empty)
 *   prefix      a key prefix of its own ("sessionspec-PID-TAG-N:"), for Redis, memcached, tables
 *   redis_port, memcached_port   the servers sessionspec was given (REDIS_PORT, MEMCACHED_PORT), or null
 *   clock       a Closure(): int, the scenario's virtual clock in seconds (PSR-20 style)
 *   tag         a short name of the run, for logs
 */
final class UserClassSpec
{
    /**
     * @param array<string, mixed> $context as the C++ side sends it (without the clock)
     */
    private function __construct(
        public readonly string $bootstrap,
        public readonly array $context,
        public readonly ?string $faketimeFile,
        public readonly bool $setClock,
    ) {
    }

    /** The program's "user_class" object: {"bootstrap", "context", "faketime_file", "set_clock"}. */
    public static function fromJson(mixed $j): self
    {
        if (!is_array($j)) {
            throw new ProgramError('user_class must be an object {bootstrap, context, ...}');
        }
        $context = Program::field($j, 'context', 'array', []);
        return new self(
            Program::field($j, 'bootstrap', 'string'),
            $context,
            Program::field($j, 'faketime_file', 'string', null),
            Program::field($j, 'set_clock', 'boolean', true),
        );
    }
}

/**
 * Loads the user's handler from its bootstrap file. Whatever the bootstrap or the handler prints
 * goes to stderr: stdout is the trace.
 */
final class UserClassLoader
{
    /** @var array<string, mixed> what each bootstrap file returned, by path (required once) */
    private static array $made = [];

    /** @param array<string, mixed> $context */
    public static function instance(string $bootstrap, array $context): object
    {
        if (!array_key_exists($bootstrap, self::$made)) {
            if (!is_file($bootstrap)) {
                throw new ProgramError("bootstrap file $bootstrap does not exist");
            }
            self::$made[$bootstrap] = self::quietly(static function () use ($bootstrap, $context): mixed {
                return (static function (string $__file, array $context): mixed {
                    return require $__file;
                })($bootstrap, $context);
            });
        }
        $made = self::$made[$bootstrap];
        if (!is_object($made) || $made instanceof \Closure) {
            $made = is_callable($made) ? self::quietly(static fn (): mixed => $made($context)) : $made;
        }
        if (!$made instanceof \SessionHandlerInterface) {
            throw new ProgramError("bootstrap file $bootstrap returned "
                . (is_object($made) ? 'an object of class ' . $made::class : get_debug_type($made))
                . ', not a SessionHandlerInterface (or a callable that returns one)');
        }
        return $made;
    }

    /**
     * Runs $body with its output and its PHP diagnostics sent to stderr, so that nothing the
     * user's code says reaches the trace or the script's diagnostics. With $moduleDiagnostics (a
     * class of the `sessionhandler` shape, a \SessionHandler subclass such as Symfony's
     * NativeFileSessionHandler calling parent::read()), a diagnostic of PHP's own session module
     * is the exception: PHP shows it to the script, and the model of that shape expects it, so
     * it goes to the handler that was in place (the tracer's), as in real-engine mode. (A class
     * of another shape that wraps a \SessionHandler, like Symfony's StrictSessionHandler, is
     * modelled as a user handler, which raises no module warnings: its stay on stderr.)
     */
    public static function quietly(\Closure $body, bool $moduleDiagnostics = false): mixed
    {
        $level = ob_get_level();
        ob_start();
        $previous = null;
        $previous = set_error_handler(static function (
            int $errno,
            string $message,
            string $file = '',
            int $line = 0,
        ) use (&$previous, $moduleDiagnostics): bool {
            if ($moduleDiagnostics && $previous !== null && self::fromSessionModule($message)) {
                return (bool) $previous($errno, $message, $file, $line);
            }
            // A diagnostic the handler silenced with @ stays silent.
            if ((error_reporting() & $errno) !== 0) {
                fwrite(STDERR, "handler: php diagnostic ($errno): $message at $file:$line\n");
            }
            return true;
        });
        try {
            return $body();
        } finally {
            restore_error_handler();
            while (ob_get_level() > $level) {
                $out = (string) ob_get_clean();
                if ($out !== '') {
                    fwrite(STDERR, "handler: output: $out\n");
                }
            }
        }
    }

    /**
     * Whether PHP's session module raised $message inside a \SessionHandler method: PHP names the
     * internal method first ("SessionHandler::read(): Session ID is too long ...").
     */
    private static function fromSessionModule(string $message): bool
    {
        return preg_match('/\ASessionHandler::[A-Za-z_]+\(\): /', $message) === 1;
    }
}

/**
 * The shape of a handler as PHP's session module sees it: session_set_save_handler() finds the
 * optional methods by name, whatever interfaces the class declares.
 */
final class UserClassShape
{
    /** The variant name (model::Variant) of $handler; a ProgramError for a shape PHP 8.2 has no model of. */
    public static function variant(object $handler): string
    {
        $has = static fn (string $m): bool => method_exists($handler, $m);
        $c = $has('create_sid');
        $v = $has('validateId');
        $u = $has('updateTimestamp');
        if ($handler instanceof \SessionHandler && !$v && !$u) {
            return 'sessionhandler';
        }
        return match ([$c, $v, $u]) {
            [true, true, true] => 'full',
            [false, false, false] => 'basic',
            [false, true, true] => 'no-create-sid',
            [true, false, false] => 'no-timestamp',
            default => throw new ProgramError(sprintf(
                'class %s has create_sid %s, validateId %s, updateTimestamp %s: validateId and '
                . 'updateTimestamp come together (SessionUpdateTimestampHandlerInterface)',
                $handler::class,
                $c ? 'yes' : 'no',
                $v ? 'yes' : 'no',
                $u ? 'yes' : 'no',
            )),
        };
    }

    /**
     * What the class declares it guarantees: `public static function sessionspecGuarantees():
     * array`, or the attribute #[SessionSpec\Guarantees(concurrency: ..., expiry: ...)] (read
     * with getArguments(), so the attribute class need not exist). Null when it declares nothing.
     *
     * @return array{source: string, values: array<string, mixed>}|null
     */
    public static function guarantees(object $handler): ?array
    {
        $class = new \ReflectionClass($handler);
        if ($class->hasMethod('sessionspecGuarantees')) {
            $m = $class->getMethod('sessionspecGuarantees');
            if (!$m->isStatic() || !$m->isPublic()) {
                throw new ProgramError($class->getName() . '::sessionspecGuarantees() must be public static');
            }
            $values = UserClassLoader::quietly(static fn (): mixed => $m->invoke(null));
            if (!is_array($values)) {
                throw new ProgramError($class->getName() . '::sessionspecGuarantees() must return an array');
            }
            return ['source' => 'sessionspecGuarantees()', 'values' => $values];
        }
        for ($c = $class; $c !== false; $c = $c->getParentClass()) {
            foreach ($c->getAttributes() as $a) {
                if (ltrim($a->getName(), '\\') === 'SessionSpec\\Guarantees') {
                    return ['source' => '#[SessionSpec\\Guarantees]', 'values' => $a->getArguments()];
                }
            }
        }
        return null;
    }
}

/**
 * The clock a user's handler sees. The context's `clock` closure (and setClock(), for handlers
 * written for adapters/php/serve.php) always reads the scenario's virtual clock. With a faketime
 * file (libfaketime preloaded by the C++ side, FAKETIME_TIMESTAMP_FILE + FAKETIME_NO_CACHE),
 * PHP's own time(), date(), microtime() and DateTime read it too: the file holds a frozen
 * "YYYY-MM-DD HH:MM:SS" in UTC, rewritten (atomically, by rename) whenever the clock moves.
 */
final class UserClock
{
    public function __construct(private readonly Clock $clock, private readonly ?string $faketimeFile)
    {
    }

    /** The closure handed to the handler. */
    public function closure(): \Closure
    {
        return fn (): int => $this->clock->now;
    }

    /** Moves PHP's time() to $now (nothing without faketime). */
    public function show(int $now): void
    {
        if ($this->faketimeFile === null) {
            return;
        }
        $tmp = $this->faketimeFile . '.' . getmypid();
        if (file_put_contents($tmp, gmdate('Y-m-d H:i:s', $now) . "\n") === false || !rename($tmp, $this->faketimeFile)) {
            throw new \RuntimeException("cannot write the faketime file {$this->faketimeFile}");
        }
    }

    /**
     * What time() says now: the faketime file's time when there is one (concurrent requests
     * share it, and another request may have moved it), else the virtual clock.
     */
    public function shown(): int
    {
        if ($this->faketimeFile === null) {
            return $this->clock->now;
        }
        $text = @file_get_contents($this->faketimeFile);
        $t = $text === false ? false : strtotime(trim($text) . ' UTC');
        return $t === false ? $this->clock->now : $t;
    }
}

/**
 * A user handler's store as the harness prepares and ages it (the ModuleStore of
 * program "user_class"). The store is fresh by construction (the context names a new location per
 * scenario), so clear() has nothing to do; seeds are written through a handler instance of their
 * own with the clock set to the seed's mtime, and `advance` moves the clock the handler sees.
 *
 * What the clock does not reach is aged from outside (ClassStoreAger): keys on the context's
 * Redis and memcached servers, and with `?clock=real` the files in the context's directory. A
 * \SessionHandler (a class over one of PHP's own session modules, like Symfony's
 * NativeFileSessionHandler, or a wrapper of one whose isWrapper() says so, like Symfony's
 * StrictSessionHandler) cannot store anything outside a session: its module's store is seeded
 * and aged as in real-engine mode (FilesDir, MemcachedKeys).
 */
final class UserClassStore implements ModuleStore
{
    private readonly UserClock $time;
    /** Whether the handler is a \SessionHandler (known once one is built). */
    private bool $sessionHandler = false;
    /** The session module a \SessionHandler calls, as its bootstrap selected it. */
    private ?string $moduleName = null;
    /** Made when first needed: introspect.php builds handlers and needs neither. */
    private ?ModuleStore $module = null;
    private ?ClassStoreAger $ager = null;

    /** @param bool $showNow whether this request sets PHP's clock to its start time */
    public function __construct(
        private readonly UserClassSpec $spec,
        private readonly Clock $clock,
        bool $showNow,
    ) {
        $this->time = new UserClock($clock, $spec->faketimeFile);
        if ($showNow) {
            $this->time->show($clock->now);
        }
    }

    /** A fresh handler instance, built by the bootstrap with this run's context. */
    public function instance(): object
    {
        $handler = UserClassLoader::instance($this->spec->bootstrap, $this->context());
        if ($this->spec->setClock && method_exists($handler, 'setClock')) {
            UserClassLoader::quietly(fn (): mixed => $handler->setClock($this->time->closure()));
        }
        // Symfony's StrictSessionHandler and SessionHandlerProxy say isWrapper() when they wrap one.
        $this->sessionHandler = $handler instanceof \SessionHandler
            || (method_exists($handler, 'isWrapper') && $handler->isWrapper() === true);
        // Read before session_set_save_handler() makes the module "user" for the process.
        $module = (string) ini_get('session.save_handler');
        if ($this->sessionHandler && $this->moduleName === null && $module !== 'user') {
            $this->moduleName = $module;
        }
        return $handler;
    }

    /** @return array<string, mixed> */
    public function context(): array
    {
        return ['clock' => $this->time->closure()] + $this->spec->context;
    }

    public function clear(): void
    {
    }

    /** Stores a session through the handler itself, as if written $ageSeconds ago. */
    public function seed(string $id, string $data, int $ageSeconds): void
    {
        $now = $this->clock->now;
        $this->clock->now = $now - $ageSeconds;
        $this->time->show($this->clock->now);
        try {
            $h = $this->instance();
            if ($this->sessionHandler) {
                $this->module()->seed($id, $data, $ageSeconds);
                return;
            }
            $before = $this->ager()->snapshot();
            $ok = UserClassLoader::quietly(static fn (): bool => $h->open(session_save_path(), session_name()) === true
                && $h->write($id, $data) === true && $h->close() === true);
            if (!$ok) {
                throw new ProgramError("the handler refused to store the seeded session $id");
            }
            $this->ager()->seeded($id, $ageSeconds, $before);
        } finally {
            $this->clock->now = $now;
            $this->time->show($now);
        }
    }

    /** The clock moves on: for the handler and, with faketime, for PHP's time() in every process. */
    public function advance(int $seconds): void
    {
        $this->time->show($this->time->shown() + $seconds);
        if ($this->sessionHandler) {
            $this->module()->advance($seconds);
        } else {
            $this->ager()->advance($seconds);
        }
    }

    private function ager(): ClassStoreAger
    {
        // Loaded when first needed: introspect.php builds handlers and ages nothing.
        require_once __DIR__ . '/ModuleStore.php';
        require_once __DIR__ . '/MemcachedKeys.php';
        require_once __DIR__ . '/ClassStoreAger.php';
        return $this->ager ??= new ClassStoreAger($this->spec->context, $this->spec->faketimeFile === null);
    }

    private function module(): ModuleStore
    {
        return $this->module ??= $this->moduleStore();
    }

    /** The store of the session module a \SessionHandler calls (the bootstrap selected it). */
    private function moduleStore(): ModuleStore
    {
        require_once __DIR__ . '/ModuleStore.php';
        require_once __DIR__ . '/FilesDir.php';
        require_once __DIR__ . '/MemcachedKeys.php';
        $module = (string) $this->moduleName;
        $port = $this->spec->context['memcached_port'] ?? null;
        return match ($module) {
            'files' => new FilesDir((string) session_save_path()),
            // The bootstrap names the server to the module's open() (save_path stays the
            // scratch directory the model expects), so the store is found through the context.
            'memcached' => is_int($port)
                ? new MemcachedKeys('127.0.0.1', $port, (string) ini_get('memcached.sess_prefix'))
                : throw new ProgramError('a SessionHandler over memcached needs MEMCACHED_PORT'),
            default => throw new ProgramError("a SessionHandler over the session module $module: "
                . 'sessionspec can seed and age only the files and memcached modules'),
        };
    }
}
