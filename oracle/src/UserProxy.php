<?php

declare(strict_types=1);

namespace SessionSpec\Oracle;

/**
 * The tracing proxy around a user's handler object: PHP's session module calls the proxy, the
 * proxy records the call (name, arguments, what the handler returned or threw) and forwards it
 * untouched. PHP finds create_sid, validateId and updateTimestamp by name, so the proxy has
 * exactly the optional methods the user's class has: one proxy class per shape, declared on
 * first use.
 *
 * Proxy class names are "SessionSpecProxy" + the name the model gives the shape's handler in
 * PHP's warnings ("... handler: FullHandler::write"); the C++ side drops the prefix from PHP's
 * diagnostics (oracle/user_class.cpp), since the harness's own FullHandler has that name here.
 * Methods carry #[\ReturnTypeWillChange] and no return type: whatever the user's method returns
 * reaches PHP as it would without the proxy.
 */
final class UserProxy
{
    /** Shape => [the model's class name, interfaces, optional methods]. */
    private const SHAPES = [
        'full' => ['FullHandler', ['\SessionIdInterface', '\SessionUpdateTimestampHandlerInterface'],
            ['create_sid', 'validateId', 'updateTimestamp']],
        'basic' => ['BasicHandler', [], []],
        'no-create-sid' => ['NoCreateSidHandler', ['\SessionUpdateTimestampHandlerInterface'],
            ['validateId', 'updateTimestamp']],
        'no-timestamp' => ['NoTimestampHandler', ['\SessionIdInterface'], ['create_sid']],
        'sessionhandler' => ['WrappedHandler', ['\SessionIdInterface'], ['create_sid']],
    ];
    private const ARGS = [
        'open' => '$path, $name', 'close' => '', 'read' => '$id', 'write' => '$id, $data',
        'destroy' => '$id', 'gc' => '$max_lifetime', 'create_sid' => '',
        'validateId' => '$id', 'updateTimestamp' => '$id, $data',
    ];

    public const PREFIX = 'SessionSpecProxy';

    /** A proxy of the given shape around $inner. */
    public static function wrap(object $inner, string $shape, Tracer $tracer, ?Pauser $pauser, bool $progress): object
    {
        $class = self::declare($shape);
        return new $class($inner, $tracer, $pauser, $progress);
    }

    /** @return class-string the proxy class of $shape, declared now if it is not yet */
    private static function declare(string $shape): string
    {
        [$name, $interfaces, $optional] = self::SHAPES[$shape]
            ?? throw new ProgramError("no proxy for variant $shape");
        $class = self::PREFIX . $name;
        if (class_exists($class, false)) {
            return $class;
        }
        $methods = '';
        foreach (array_merge(['open', 'close', 'read', 'write', 'destroy', 'gc'], $optional) as $m) {
            $args = self::ARGS[$m];
            $methods .= "#[\\ReturnTypeWillChange]\npublic function $m($args) "
                . "{ return \$this->forward('$m', [$args]); }\n";
        }
        $implements = implode(', ', array_merge(['\SessionHandlerInterface'], $interfaces));
        // The code is built from the constants above only: no user input reaches eval().
        eval("final class $class implements $implements {\n"
            . "use \\SessionSpec\\Oracle\\ForwardsToUserHandler;\n$methods}");
        return $class;
    }
}

/**
 * The body of every proxy class. A call is traced when it returns, like the harness's own
 * handlers. With progress markers on, {"calling": METHOD} goes to stdout before the user's method
 * runs and {"returned": METHOD} after it, so that a request that hangs inside the user's code is
 * reported with the call it hangs in, and a coordinator of concurrent requests knows which
 * requests hold a session open (oracle/race_runner.cpp).
 */
trait ForwardsToUserHandler
{
    public function __construct(
        private readonly object $inner,
        private readonly Tracer $tracer,
        private readonly ?Pauser $pauser,
        private readonly bool $progress,
    ) {
    }

    private function progress(string $what, string $method): void
    {
        if ($this->progress) {
            fwrite(STDOUT, json_encode([$what => $method]) . "\n");
            fflush(STDOUT);
        }
    }

    /** @param list<mixed> $args */
    private function forward(string $method, array $args): mixed
    {
        $this->pauser?->pause($method);
        $this->progress('calling', $method);
        try {
            $result = UserClassLoader::quietly(
                fn (): mixed => $this->inner->{$method}(...$args),
                UserClassShape::variant($this->inner) === 'sessionhandler',
            );
        } catch (\Throwable $e) {
            $this->progress('returned', $method);
            $this->tracer->handlerCall($method, $args, ['exception' => $e::class . ': ' . $e->getMessage()]);
            throw $e;
        }
        $this->progress('returned', $method);
        $this->tracer->handlerCall($method, $args, Values::render($result));
        $this->pauser?->handlerCallDone();
        return $result;
    }
}
