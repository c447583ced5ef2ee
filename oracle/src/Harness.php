<?php

declare(strict_types=1);

namespace SessionSpec\Oracle;

/**
 * Runs one request of a scenario inside real PHP and traces it.
 *
 * Lifetime matters: the harness object is kept in a global variable by harness.php and writes the
 * response event from its destructor. PHP calls destructors only after *all* shutdown functions, and the
 * session module's end-of-request write/close runs as a shutdown function (see register()), so by then
 * the end-of-request handler calls have happened and been buffered by the Tracer.
 */
final class Harness
{
    private readonly Tracer $tracer;
    private readonly Clock $clock;
    /** The module's storage (sessionhandler variant and real-engine mode), aged by `advance`. */
    private ?ModuleStore $moduleStore = null;
    private ?Pauser $pauser = null;
    private bool $finished = false;
    private ?\SessionHandlerInterface $handler = null;
    private readonly Shutdown $shutdown;
    /** @var array<string, string> default session_start() options (ini read_and_close) */
    private array $startOptions = [];

    /** $inProcess: the worker runs this request in a process that must survive it (oracle/worker.php). */
    public function __construct(private readonly Program $program, private readonly bool $inProcess = false)
    {
        $this->tracer = new Tracer($program->scenario, $program->request, $program->seqStart, STDOUT);
        $this->clock = new Clock($program->now);
        $this->shutdown = new Shutdown($inProcess, $program->registerShutdown);
        if ($program->pause) {
            $this->pauser = new Pauser(STDIN, STDOUT, $this->tracer->pendingHandlerEvents(...));
        }
    }

    public function run(): void
    {
        set_error_handler($this->tracer->onError(...));
        $this->guardOutput();
        try {
            $this->startOptions = $this->applyIni();
            $this->selectModule();
            $this->sendCookie();
            $this->register($this->makeHandler());
        } catch (ProgramError $e) {
            $this->finished = true; // nothing was traced: no response event either
            throw $e;
        }
        $this->tracer->requestEvent($this->program->cookie);
        $this->pauser?->pause('start');

        foreach ($this->program->calls as $call) {
            if (!$this->runCall($call, $this->startOptions)) {
                // PHP aborts the script at an uncaught throw; the end of request still happens.
                break;
            }
        }
        $this->tracer->beginShutdown();
    }

    /**
     * The end of request without ending the process (oracle/worker.php runs many requests in one PHP).
     *
     * With register_shutdown=true the end-of-request write/close *is* a call of session_write_close():
     * the shutdown function session_register_shutdown appends session_write_close as the last shutdown
     * function, and nothing else runs before the destructors. Calling it here therefore makes the same
     * handler calls and raises the same diagnostics, with the same "session_write_close(): " prefix.
     * What the module's RSHUTDOWN does next (close a user handler left open, e.g. after a failed
     * regenerate) only session_module_name() does from PHP code: it runs the same
     * `if (mod_data || mod_user_implemented) s_close()`. Those calls come after the response, "live".
     *
     * An exception from the write is a fatal error in a real request: PHP runs the destructors (so the
     * response event is written, with the error) and exits 255. Here it is caught and recorded the same way.
     */
    public function endRequestInProcess(): void
    {
        $fatal = $this->shutdown->runInProcess(fn (Call $call): mixed => $this->perform($call, $this->startOptions));
        if ($fatal !== null) {
            $this->tracer->fatal($fatal);
        }
        $this->finished = true;
        $this->handler instanceof \WrappedHandler && $this->handler->endedWithoutClose();
        $this->tracer->finish(Values::sessionState());
        // RSHUTDOWN: a session still active is written (php_session_flush), then a handler left open
        // is closed; both after the response, so what they raise is not traced ("live").
        // What they throw (a SessionHandler subclass's close() after the session ended: "Session is
        // not active") is lost there too.
        try {
            if (session_status() === PHP_SESSION_ACTIVE) {
                session_write_close();
            }
        } catch (\TypeError $e) {
            // A real RSHUTDOWN has no stack frame: this TypeError (a non-bool answer) bails out of
            // the write, and PHP then closes the handler left open, which no PHP code can repeat.
            throw new \LogicException('a TypeError in the RSHUTDOWN write needs a process of its own: '
                . $e->getMessage());
        } catch (\Throwable) {
        }
        try {
            session_module_name('files');
        } catch (\Throwable) {
        }
    }

    /**
     * Whether the module behind a SessionHandler wrapper still holds this request's session (its close()
     * was skipped): only the end of the process releases it, so a worker must not serve another request.
     */
    public function moduleLeftOpen(): bool
    {
        return $this->handler instanceof \WrappedHandler && $this->handler->parentOpen;
    }

    /**
     * The response event, once: from the last shutdown function (register()), or, when a fatal error
     * stopped the shutdown functions (an exception out of the end-of-request write), from here:
     * destructors still run then.
     */
    public function __destruct()
    {
        $this->finishOnce();
    }

    private function finishOnce(): void
    {
        if (!$this->finished) {
            $this->finished = true;
            $this->handler instanceof \WrappedHandler && $this->handler->endedWithoutClose();
            $this->noteFatal();
            $this->tracer->finish(Values::sessionState());
        }
    }

    /**
     * A fatal error in a shutdown function (e.g. an exception out of the end-of-request write) ends the
     * request; destructors still run, and this one finds it in error_get_last() (PHP exits 255 then).
     */
    private function noteFatal(): void
    {
        $last = error_get_last();
        $fatal = E_ERROR | E_CORE_ERROR | E_COMPILE_ERROR | E_USER_ERROR;
        if ($last !== null && ($last['type'] & $fatal) !== 0) {
            $this->tracer->fatal(Values::fatalMessage($last['message']));
        }
    }

    /**
     * Anything printed through PHP's output layer would make headers_sent() true and change what
     * session_start() does (use_cookies=1 refuses to start). Nothing should print, but if something does,
     * swallow it here and show it on stderr instead of letting it reach stdout.
     */
    private function guardOutput(): void
    {
        ob_start(static function (string $buffer): string {
            if ($buffer !== '') {
                fwrite(STDERR, "oracle: unexpected output: $buffer\n");
            }
            return '';
        });
    }

    /**
     * ini settings go in with ini_set() now, before any session exists (session ini cannot change while a
     * session is active). Keys are session.* names without the prefix; a key with a dot is used as is.
     * `read_and_close` is not an ini setting: it becomes a default option of every session_start().
     *
     * @return array<string, string> default session_start() options
     */
    private function applyIni(): array
    {
        $startOptions = [];
        foreach ($this->program->ini as $key => $value) {
            if ($key === 'read_and_close') {
                $startOptions['read_and_close'] = $value;
                continue;
            }
            $name = str_contains($key, '.') ? $key : "session.$key";
            if (ini_set($name, $value) === false) {
                // PHP warns for bad values but not for unknown names; say it for sure, as the harness.
                $this->tracer->harnessNote("ini_set($name, $value) failed");
            }
        }
        return $startOptions;
    }

    /**
     * The CLI has no HTTP request: put the browser's cookie, and an id in the URL's query string, where
     * the session module looks for them.
     */
    private function sendCookie(): void
    {
        if ($this->program->cookie !== null) {
            $_COOKIE[session_name()] = $this->program->cookie;
        }
        $_GET = $this->program->query !== null ? [session_name() => $this->program->query] : [];
    }

    /**
     * Real-engine mode (program "module"): the session module the SessionHandler wrapper proxies. It must
     * be selected before session_set_save_handler(), which keeps the module active until then as the
     * one SessionHandler's methods call (PS(default_mod)).
     */
    private function selectModule(): void
    {
        $module = $this->program->module;
        if ($module !== null && ini_set('session.save_handler', $module) === false) {
            throw new ProgramError("session module $module is not available (for redis and rediscluster: php -d extension=redis.so)");
        }
    }

    private function makeHandler(): \SessionHandlerInterface
    {
        if ($this->program->userClass !== null) {
            // A user's class (php:class): PHP's session module drives it through a tracing proxy.
            $store = new UserClassStore($this->program->userClass, $this->clock, !$this->program->pause);
            $this->moduleStore = $store;
            foreach ($this->program->seed as $s) {
                $store->seed($s['id'], $s['data'], $this->clock->now - $s['mtime']);
            }
            $handler = $store->instance();
            if (UserClassShape::variant($handler) !== $this->program->variant) {
                throw new ProgramError('the handler has the shape ' . UserClassShape::variant($handler)
                    . ', the program says ' . $this->program->variant);
            }
            return UserProxy::wrap($handler, $this->program->variant, $this->tracer, $this->pauser, $this->program->progress);
        }
        $handler = $this->makeTracingHandler();
        $handler->injectFaults($this->program->faults);
        $this->handler = $handler;
        return $handler;
    }

    private function makeTracingHandler(): \SessionHandlerInterface
    {
        if ($this->program->variant === 'sessionhandler') {
            $module = $this->program->module;
            $this->moduleStore = $module === 'redis' || $module === 'rediscluster'
                ? RedisKeys::forModule($module, session_save_path())
                : new FilesDir(session_save_path());
            if ($this->program->fresh) {
                $this->moduleStore->clear();
            }
            foreach ($this->program->seed as $s) {
                $this->moduleStore->seed($s['id'], $s['data'], $this->clock->now - $s['mtime']);
            }
            return new \WrappedHandler($this->tracer, $this->program->module === null, $this->pauser);
        }
        $store = new TraceStore((string) $this->program->storeFile, $this->clock);
        foreach ($this->program->seed as $s) {
            $store->seed($s['id'], $s['data'], $s['mtime']);
        }
        return $this->program->variant === 'full'
            ? new \FullHandler($this->tracer, $store)
            : new \BasicHandler($this->tracer, $store);
    }

    /**
     * register_shutdown=true (PHP's default): PHP appends its own shutdown function, which does the
     * end-of-request write/close *before* destructors run, so __destruct() above sees them done. (With
     * false they would run in the module's RSHUTDOWN, after destructors, and only reach the trace "live".)
     */
    private function register(\SessionHandlerInterface $handler): void
    {
        if (!session_set_save_handler($handler, $this->program->registerShutdown)) {
            throw new ProgramError('session_set_save_handler() refused the handler');
        }
        if ($this->inProcess) {
            return;
        }
        // The response is written by the last shutdown function: registered from a shutdown function
        // that runs after session_set_save_handler()'s own (which appends session_write_close), it runs
        // after PHP's end-of-request write and after every shutdown function the script registered, and
        // also after a fatal error or exit() ended the script (which skip destructors or output).
        register_shutdown_function(function (): void {
            register_shutdown_function(fn () => $this->finishOnce());
        });
    }

    /** @return bool false when the call threw or ended the script */
    private function runCall(Call $call, array $startOptions): bool
    {
        $this->tracer->beginStep();
        if ($call->op === 'yield') {
            $this->pauser?->pause('yield');
        }
        if (in_array($call->op, ['exit', 'fatal', 'exhaust_memory'], true)) {
            // The call does not return: its event is written first.
            $this->tracer->endStep($call->op, $call->args, null, Values::sessionState());
            $this->tracer->beginShutdown();
            $this->endScript($call);
            return false;
        }
        $ok = true;
        try {
            $result = Values::render($this->perform($call, $startOptions));
        } catch (\Throwable $e) {
            $result = ['error' => $e::class . ': ' . $e->getMessage()];
            $ok = false;
        }
        $this->tracer->endStep($call->op, $call->args, $result, Values::sessionState());
        return $ok;
    }

    /** The PHP code of each call; $_SESSION operations are the statements the scenario format names. */
    private function perform(Call $call, array $startOptions): mixed
    {
        $p = $call->params;
        return match ($call->op) {
            'session_start' => session_start(($p['options'] ?? []) + $startOptions),
            'session_write_close' => session_write_close(),
            'session_commit' => session_commit(),
            'session_regenerate_id' => session_regenerate_id($p['delete'] ?? false),
            'session_reset' => session_reset(),
            'session_id' => array_key_exists('id', $p) ? session_id($p['id']) : session_id(),
            'session_destroy' => session_destroy(),
            'session_abort' => session_abort(),
            'session_unset' => session_unset(),
            'session_gc' => session_gc(),
            'session_status' => session_status(),
            'session_create_id' => array_key_exists('prefix', $p) ? session_create_id($p['prefix']) : session_create_id(),
            'set' => self::set($p['key'], $p['value']),
            'push' => self::push($p['key'], $p['value']),
            'incr' => self::incr($p['key']),
            'unset' => self::unset($p['key']),
            'get' => $_SESSION[$p['key']] ?? null,
            'advance' => $this->advance($p['seconds']),
            'yield' => null,
            'throw' => throw new \RuntimeException($p['message'] ?? ''),
            'on_shutdown' => $this->shutdown->onShutdown($p['call'], fn (Call $c): mixed => $this->perform($c, $this->startOptions)),
            'session_register_shutdown' => $this->shutdown->registerWriteClose(),
            'session_encode' => session_encode(),
            'session_decode' => session_decode($p['data'] ?? ''),
            'ini_get' => ini_get('session.' . $p['key']),
            'ini_set' => ini_set('session.' . $p['key'], $p['value'] ?? ''),
            'sid' => defined('SID') ? constant('SID') : null,
            'dump' => $_SESSION ?? null,
        };
    }

    /** exit(), or a fatal error: in the worker the script just stops here (Shutdown::endScript). */
    private function endScript(Call $call): void
    {
        if ($call->op === 'exit') {
            if (!$this->inProcess) {
                exit(0);
            }
            return;
        }
        $this->shutdown->endScript($call->op, $call->params['message'] ?? '', $this->tracer->onError(...));
    }

    private static function set(int|string $key, mixed $value): null
    {
        $_SESSION[$key] = $value;
        return null;
    }

    private static function push(int|string $key, mixed $value): null
    {
        $_SESSION[$key][] = $value;
        return null;
    }

    private static function incr(int|string $key): null
    {
        $_SESSION[$key] = ($_SESSION[$key] ?? 0) + 1;
        return null;
    }

    private static function unset(int|string $key): null
    {
        unset($_SESSION[$key]);
        return null;
    }

    private function advance(int $seconds): null
    {
        $this->clock->now += $seconds;
        $this->moduleStore?->advance($seconds);
        return null;
    }
}
