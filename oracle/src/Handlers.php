<?php

declare(strict_types=1);

// The handler classes live in the global namespace on purpose: PHP names them in its warnings
// (e.g. "handler: FullHandler::write"), and those messages must read like the model's.

use SessionSpec\Oracle\Faults;
use SessionSpec\Oracle\Pauser;
use SessionSpec\Oracle\TraceStore;
use SessionSpec\Oracle\Tracer;
use SessionSpec\Oracle\Values;

/**
 * Records each save-handler call (name, args, what it returned or threw) when it returns, and answers
 * the program's injected faults instead of the handler (SessionSpec\Oracle\Faults).
 *
 * The methods have no declared return type (#[\ReturnTypeWillChange]): an injected answer may be any
 * PHP value, as a broken handler's can, and PHP's session module is what reacts to it.
 */
trait TracesHandlerCalls
{
    protected Tracer $tracer;
    /** Step mode (program "pause"): every handler call waits for the coordinator's go first. */
    protected ?Pauser $pauser = null;
    protected ?Faults $faults = null;

    public function injectFaults(?Faults $faults): void
    {
        $this->faults = $faults;
    }

    protected function traced(string $method, array $args, callable $body): mixed
    {
        $this->pauser?->pause($method);
        $fault = $this->faults?->take($method);
        if ($fault !== null) {
            return $this->injected($method, $args, $body, $fault);
        }
        try {
            $result = $body();
        } catch (\Throwable $e) {
            $this->tracer->handlerCall($method, $args, ['exception' => $e::class . ': ' . $e->getMessage()]);
            throw $e;
        }
        $this->tracer->handlerCall($method, $args, Values::render($result));
        $this->pauser?->handlerCallDone();
        return $result;
    }

    /** @param array{kind: string, value: mixed} $fault */
    private function injected(string $method, array $args, callable $body, array $fault): mixed
    {
        if (Faults::reachesHandler($method)) {
            try {
                $body(); // its answer, exception included, is what the fault replaces
            } catch (\Throwable) {
            }
        }
        if ($fault['kind'] === 'throw') {
            $e = new \RuntimeException($fault['value']);
            $this->tracer->handlerCall($method, $args, ['exception' => $e::class . ': ' . $e->getMessage()], true);
            throw $e;
        }
        $this->tracer->handlerCall($method, $args, Values::render($fault['value']), true);
        $this->pauser?->handlerCallDone();
        return $fault['value'];
    }
}

/**
 * Variant "basic": SessionHandlerInterface only. PHP makes the ids itself, never validates them, and
 * writes where a Full handler would get updateTimestamp.
 */
class BasicHandler implements SessionHandlerInterface
{
    use TracesHandlerCalls;

    public function __construct(Tracer $tracer, protected readonly TraceStore $store)
    {
        $this->tracer = $tracer;
    }

    #[\ReturnTypeWillChange]
    public function open(string $path, string $name)
    {
        return $this->traced('open', [$path, $name], static fn (): bool => true);
    }

    #[\ReturnTypeWillChange]
    public function close()
    {
        return $this->traced('close', [], static fn (): bool => true);
    }

    #[\ReturnTypeWillChange]
    public function read(string $id)
    {
        return $this->traced('read', [$id], fn (): string|false => $this->store->read($id));
    }

    #[\ReturnTypeWillChange]
    public function write(string $id, string $data)
    {
        return $this->traced('write', [$id, $data], fn (): bool => $this->store->write($id, $data));
    }

    #[\ReturnTypeWillChange]
    public function destroy(string $id)
    {
        return $this->traced('destroy', [$id], fn (): bool => $this->store->destroy($id));
    }

    #[\ReturnTypeWillChange]
    public function gc(int $max_lifetime)
    {
        return $this->traced('gc', [$max_lifetime], fn (): int => $this->store->gc($max_lifetime));
    }
}

/** Variant "full": all nine methods, so PHP asks the handler for ids, validation and timestamp updates. */
final class FullHandler extends BasicHandler implements SessionIdInterface, SessionUpdateTimestampHandlerInterface
{
    #[\ReturnTypeWillChange]
    public function create_sid()
    {
        return $this->traced('create_sid', [], fn (): string => $this->store->freshId());
    }

    #[\ReturnTypeWillChange]
    public function validateId(string $id)
    {
        return $this->traced('validateId', [$id], fn (): bool => $this->store->exists($id));
    }

    #[\ReturnTypeWillChange]
    public function updateTimestamp(string $id, string $data)
    {
        return $this->traced('updateTimestamp', [$id, $data], fn (): bool => $this->store->touch($id, $data));
    }
}

/**
 * Variant "sessionhandler": a SessionHandler subclass. In 8.2 SessionHandler has only these seven methods
 * (no validateId/updateTimestamp); each proxies the module that was active before (PS(default_mod): files,
 * or the module of a program's "module" field, e.g. phpredis's redis), so the data lives in that module's
 * store and the TraceStore is not used.
 *
 * Two modes, one class name (PHP quotes it in warnings, and the model's messages say WrappedHandler):
 * - corrected (the oracle's sessionhandler variant, proxying files): two files-module habits that a
 *   correct store does not have are undone after the call, so that the traces compare with the model's
 *   reference store (see close() and write());
 * - pure (real-engine mode, program "module"): every call goes to the module untouched, because there the
 *   module itself is what is being certified.
 */
final class WrappedHandler extends SessionHandler
{
    use TracesHandlerCalls;

    /** The files module's directory (the last ';' field of save_path). */
    private string $dir = '';
    /** The file the last read() created for an unknown id, until something is written to it. */
    private ?string $createdByRead = null;
    /**
     * parent::open() ran and parent::close() has not: the module still holds its session (the files
     * module keeps the file open and locked). PHP skips close() when an exception is pending, so a
     * request can end that way; a real process then exits, a worker must restart (oracle/worker.php).
     */
    public bool $parentOpen = false;

    public function __construct(Tracer $tracer, private readonly bool $corrected = true, ?Pauser $pauser = null)
    {
        $this->tracer = $tracer;
        $this->pauser = $pauser;
    }

    #[\ReturnTypeWillChange]
    public function open(string $path, string $name)
    {
        $parts = explode(';', $path);
        $this->dir = (string) end($parts);
        return $this->traced('open', [$path, $name], function () use ($path, $name): bool {
            $this->parentOpen = true;
            return parent::open($path, $name);
        });
    }

    /**
     * The files module leaves an empty file behind for an unknown id it only read; a correct store
     * (sessionspec's reference store) creates nothing, so such a file is removed at close.
     */
    #[\ReturnTypeWillChange]
    public function close()
    {
        $result = $this->traced('close', [], function (): bool {
            $this->parentOpen = false;
            return parent::close();
        });
        if (!$this->corrected) {
            return $result;
        }
        clearstatcache();
        if ($this->createdByRead !== null && is_file($this->createdByRead)
            && filesize($this->createdByRead) === 0) {
            unlink($this->createdByRead);
        }
        $this->createdByRead = null;
        clearstatcache();
        return $result;
    }

    /**
     * The end of a request whose close() PHP skipped (an exception was pending) while the session is over:
     * the empty file read() created for an unknown id would outlive it; close() would have removed it.
     */
    public function endedWithoutClose(): void
    {
        if ($this->corrected && $this->parentOpen && session_status() !== PHP_SESSION_ACTIVE
            && $this->createdByRead !== null) {
            clearstatcache();
            if (is_file($this->createdByRead) && filesize($this->createdByRead) === 0) {
                unlink($this->createdByRead);
            }
            $this->createdByRead = null;
        }
    }

    #[\ReturnTypeWillChange]
    public function read(string $id)
    {
        if (!$this->corrected) {
            return $this->traced('read', [$id], fn (): string|false => parent::read($id));
        }
        $file = $this->dir . '/sess_' . $id;
        $existed = TraceStore::filesId($id) && is_file($file);
        $result = $this->traced('read', [$id], fn (): string|false => parent::read($id));
        $again = $file === $this->createdByRead;  // session_reset() reads the same id again
        $this->createdByRead = ($result !== false && (!$existed || $again)) ? $file : null;
        return $result;
    }

    /**
     * The files module writes through the descriptor it locked at read; when gc has unlinked that
     * file meanwhile, the data would vanish. A correct store (the reference store) keeps it, so
     * the file is written again by name.
     */
    #[\ReturnTypeWillChange]
    public function write(string $id, string $data)
    {
        return $this->traced('write', [$id, $data], function () use ($id, $data): bool {
            $this->createdByRead = null; // the file is a session now (not when a fault answered)
            $ok = parent::write($id, $data);
            if (!$this->corrected) {
                return $ok;
            }
            $file = $this->dir . '/sess_' . $id;
            clearstatcache();
            if ($ok && TraceStore::filesId($id) && !is_file($file)) {
                file_put_contents($file, $data);
                chmod($file, 0600);
            }
            return $ok;
        });
    }

    /**
     * The files module only unlinks a session file it holds open (from read()); when a fault answered the
     * read instead, the file would survive the destroy. A correct store removes it, so it goes by name.
     * An id the files module refuses in read() and write() is refused here too (files itself does not
     * look at it in destroy()), as the reference store of a files-charset store does.
     */
    #[\ReturnTypeWillChange]
    public function destroy(string $id)
    {
        return $this->traced('destroy', [$id], function () use ($id): bool {
            $this->createdByRead = null;
            if ($this->corrected && !TraceStore::filesId($id)) {
                return false; // the files module refuses such ids in read and write; a store refuses them all
            }
            $ok = parent::destroy($id);
            $file = $this->dir . '/sess_' . $id;
            clearstatcache();
            if ($this->corrected && $ok && TraceStore::filesId($id) && is_file($file)) {
                unlink($file);
            }
            return $ok;
        });
    }

    /** The file read() created for an unknown id is not a session yet: gc must not count it. */
    #[\ReturnTypeWillChange]
    public function gc(int $max_lifetime)
    {
        if ($this->corrected && $this->createdByRead !== null && is_file($this->createdByRead)) {
            touch($this->createdByRead);
            clearstatcache();
        }
        return $this->traced('gc', [$max_lifetime], fn (): int|false => parent::gc($max_lifetime));
    }

    #[\ReturnTypeWillChange]
    public function create_sid()
    {
        return $this->traced('create_sid', [], fn (): string => parent::create_sid());
    }
}
