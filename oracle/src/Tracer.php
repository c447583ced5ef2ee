<?php

declare(strict_types=1);

namespace SessionSpec\Oracle;

/**
 * Numbers and writes the trace events of one request.
 *
 * Handler calls happen *during* a script call, but the trace wants the script event first, so handler
 * events and diagnostics are buffered per step and written when the step ends. The end-of-request
 * handler calls are buffered the same way and written after the response event by finish(), which the
 * harness calls from a destructor, i.e. after every shutdown function (including the session module's own
 * write/close). Anything that still happens later (the session module's RSHUTDOWN close of a handler left
 * open) is written immediately ("live" phase).
 *
 * Events go straight to the STDOUT stream: fwrite(STDOUT) bypasses PHP's output layer, so it never makes
 * headers_sent() true and never disturbs session_start().
 */
final class Tracer
{
    private const SETUP = 'setup';
    private const SCRIPT = 'script';
    private const SHUTDOWN = 'shutdown';
    private const LIVE = 'live';

    private string $phase = self::SETUP;
    private int $step = 0;
    /** @var list<array<string, mixed>> handler events of the current step */
    private array $handlerEvents = [];
    /** @var list<array{level: string, message: string}> diagnostics of the current step */
    private array $diagnostics = [];

    /** @param resource $out */
    public function __construct(
        private readonly string $scenario,
        private readonly int $request,
        private int $seq,
        private readonly mixed $out,
    ) {
    }

    /** set_error_handler() target: records the diagnostic and stops PHP from printing it. */
    public function onError(int $errno, string $message): bool
    {
        $diagnostic = ['level' => self::levelName($errno), 'message' => $message];
        if ($this->phase === self::LIVE) {
            // Nothing left to attach it to; keep it visible for a human.
            fwrite(STDERR, "oracle: late {$diagnostic['level']}: $message\n");
        } else {
            $this->diagnostics[] = $diagnostic;
        }
        return true;
    }

    /**
     * A fatal error that ended the request (level "error"), e.g. an exception out of the end-of-request
     * write: "Uncaught <Class>: <message>", the outermost exception, without file, line and trace.
     */
    public function fatal(string $message): void
    {
        $this->diagnostics[] = ['level' => 'error', 'message' => $message];
    }

    /** A complaint of the harness itself (level "harness"), e.g. an ini setting PHP refused. */
    public function harnessNote(string $message): void
    {
        $this->diagnostics[] = ['level' => 'harness', 'message' => $message];
    }

    /**
     * Called by the tracing save handler when one of its methods returns (or throws). $injected: the
     * answer came from the program's faults, not from the handler.
     */
    public function handlerCall(string $name, array $args, mixed $result, bool $injected = false): void
    {
        $event = $this->event('handler', $name, $args, $result);
        if ($injected) {
            $event['injected'] = true;
        }
        if ($this->phase === self::LIVE) {
            $this->write($event);
        } else {
            $this->handlerEvents[] = $event;
        }
    }

    /**
     * The handler events of the current step that wait for its script (or response) event, encoded:
     * calls that already happened, which a process killed now would otherwise never report.
     *
     * @return list<string>
     */
    public function pendingHandlerEvents(): array
    {
        return array_map(TraceJson::encodeEvent(...), $this->handlerEvents);
    }

    /** The `request` event; diagnostics raised while applying the ini settings ride along on it. */
    public function requestEvent(?string $cookie): void
    {
        $event = $this->event('request', 'request', [$cookie], null);
        if ($this->diagnostics !== []) {
            $event['diagnostics'] = $this->diagnostics;
        }
        $this->diagnostics = [];
        $this->write($event);
        $this->flushHandlerEvents(); // none expected before the first call, but never drop one
        $this->phase = self::SCRIPT;
    }

    public function beginStep(): void
    {
        $this->step++;
    }

    /** @param array{status: string, id: string|false, session: ?string} $state */
    public function endStep(string $name, array $args, mixed $result, array $state): void
    {
        $event = $this->event('script', $name, $args, $result);
        $event['diagnostics'] = $this->diagnostics;
        $this->diagnostics = [];
        $this->write($event + $state);
        $this->flushHandlerEvents();
    }

    /** The script is over; what follows is PHP's end of request. */
    public function beginShutdown(): void
    {
        if ($this->phase === self::SHUTDOWN) {
            return; // exit() or a fatal error began it already
        }
        $this->step++;
        $this->phase = self::SHUTDOWN;
    }

    /**
     * The response event (state after the shutdown functions ran), then the handler events of shutdown.
     * Extra field: `diagnostics` raised during shutdown (e.g. "Skipping numeric key" from the final encode).
     *
     * @param array{status: string, id: string|false, session: ?string} $state
     */
    public function finish(array $state): void
    {
        $event = $this->event('response', 'end', [], null);
        $event['set_cookie'] = null; // the CLI SAPI keeps no headers: headers_list() is always []
        $event += $state;
        $event['diagnostics'] = $this->diagnostics;
        $this->diagnostics = [];
        $this->write($event);
        $this->flushHandlerEvents();
        $this->phase = self::LIVE;
    }

    /** @return array<string, mixed> */
    private function event(string $kind, string $name, array $args, mixed $result): array
    {
        return [
            'v' => 1,
            'scenario' => $this->scenario,
            'request' => $this->request,
            'seq' => -1, // assigned when written, so that buffered events stay in write order
            'step' => $kind === 'request' ? 0 : $this->step,
            'kind' => $kind,
            'name' => $name,
            'args' => $args,
            'result' => $result,
        ];
    }

    private function flushHandlerEvents(): void
    {
        foreach ($this->handlerEvents as $event) {
            $this->write($event);
        }
        $this->handlerEvents = [];
    }

    /** @param array<string, mixed> $event */
    private function write(array $event): void
    {
        $event['seq'] = $this->seq++;
        fwrite($this->out, TraceJson::encodeEvent($event) . "\n");
    }

    private static function levelName(int $errno): string
    {
        return match ($errno) {
            E_WARNING, E_USER_WARNING, E_CORE_WARNING, E_COMPILE_WARNING => 'warning',
            E_NOTICE, E_USER_NOTICE => 'notice',
            E_DEPRECATED, E_USER_DEPRECATED => 'deprecated',
            default => 'error',
        };
    }
}
