<?php

declare(strict_types=1);

namespace SessionSpec\Oracle;

/**
 * The end of a request as the script shaped it: shutdown functions it registered (program ops
 * "on_shutdown" and "session_register_shutdown") and a fatal error that ended it ("fatal",
 * "exhaust_memory"). In a process of its own (harness.php) these are PHP's real mechanisms; in the
 * worker, which must survive the request, they are replayed in PHP's order (php_call_shutdown_functions:
 * session_set_save_handler()'s session_register_shutdown first, which appends session_write_close; then
 * what the script registered; the list grows while it runs; an exception escaping one is a fatal error
 * after which none runs).
 */
final class Shutdown
{
    /** A bound on the replayed list (it grows while it runs). */
    private const FUNCTIONS_MAX = 64;

    /** @var list<Call|string> registered in the worker: a call, or 'write_close' */
    private array $registered = [];
    /** The fatal error that ended the script in the worker, as error_get_last() would say it. */
    private ?string $scriptFatal = null;

    public function __construct(private readonly bool $inProcess, private readonly bool $registerShutdown)
    {
    }

    /** register_shutdown_function() of one script call. */
    public function onShutdown(Call $call, \Closure $perform): void
    {
        if ($this->inProcess) {
            $this->registered[] = $call;
            return;
        }
        register_shutdown_function(static fn () => $perform($call));
    }

    /** session_register_shutdown(): session_write_close() as a shutdown function, now. */
    public function registerWriteClose(): void
    {
        if ($this->inProcess) {
            $this->registered[] = 'write_close';
            return;
        }
        session_register_shutdown();
    }

    /** "fatal" / "exhaust_memory": really, in a process of its own (it does not return); else noted. */
    public function endScript(string $op, string $message, \Closure $onError): void
    {
        if ($this->inProcess) {
            $this->scriptFatal = $op === 'fatal' ? $message : Values::memoryExhausted();
            return;
        }
        if ($op === 'fatal') {
            // The tracer's error handler would swallow E_USER_ERROR; PHP's own handling is fatal.
            set_error_handler($onError, E_ALL & ~E_USER_ERROR);
            trigger_error($message, E_USER_ERROR);
        }
        ini_set('memory_limit', (string) Values::EXHAUST_MEMORY_LIMIT_BYTES);
        $waste = str_repeat('x', 2 * Values::EXHAUST_MEMORY_LIMIT_BYTES);
        unset($waste); // not reached: the allocation is a fatal error
    }

    /**
     * Worker: the shutdown functions in PHP's order. Returns the last fatal error (error_get_last()):
     * of a shutdown function that threw, else of the script.
     */
    public function runInProcess(\Closure $perform): ?string
    {
        $list = $this->registerShutdown ? ['register'] : [];
        array_push($list, ...$this->registered);
        try {
            for ($i = 0; $i < count($list) && $i < self::FUNCTIONS_MAX; $i++) {
                if ($list[$i] === 'register') {
                    $list[] = 'write_close';
                } elseif ($list[$i] === 'write_close') {
                    session_write_close();
                } else {
                    $perform($list[$i]);
                }
            }
        } catch (\Throwable $e) {
            return Values::uncaught($e);
        }
        return $this->scriptFatal;
    }
}
