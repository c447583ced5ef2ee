<?php

declare(strict_types=1);

namespace SessionSpec\Oracle;

/**
 * The data side of the tracing save handler (variants full and basic): id => [data, mtime], shared by the
 * requests of a scenario through a file.
 *
 * The file is rewritten after every change (write-through) rather than once "at the end": the last
 * handler call of a request may come from the session module's RSHUTDOWN, after any PHP code we could hook,
 * so write-through is the only ordering that is always right.
 *
 * File format: serialize() of a list of ['id' => string, 'data' => string, 'mtime' => int] (a list, not a
 * map, because PHP would turn an id like "123" into an int key).
 */
final class TraceStore
{
    /** @var array<string, array{data: string, mtime: int}> keys may come back as ints: cast on use */
    private array $records = [];

    public function __construct(private readonly string $file, private readonly Clock $clock)
    {
        $this->load();
    }

    /** Put a session in place before the request (program "seed"). */
    public function seed(string $id, string $data, int $mtime): void
    {
        $this->records[$id] = ['data' => $data, 'mtime' => $mtime];
        $this->save();
    }

    /**
     * Ids PHP's files module (and so SessionHandler) accepts: [A-Za-z0-9,-]{1,256}. This store is a
     * user handler's and keeps any id PHP hands it ("x.y;z" included), as the model's memory handler
     * does (model::IdPolicy::any); the SessionHandler wrapper uses this to know the files module's.
     */
    public static function filesId(string $id): bool
    {
        return preg_match('/\A[A-Za-z0-9,-]{1,256}\z/', $id) === 1;
    }

    /** Unknown id: "" (a new session), and nothing is created. */
    public function read(string $id): string
    {
        return $this->records[$id]['data'] ?? '';
    }

    public function write(string $id, string $data): bool
    {
        $this->records[$id] = ['data' => $data, 'mtime' => $this->clock->now];
        $this->save();
        return true;
    }

    /** updateTimestamp: refresh mtime; a record that vanished meanwhile is stored again. */
    public function touch(string $id, string $data): bool
    {
        if (!isset($this->records[$id])) {
            return $this->write($id, $data);
        }
        $this->records[$id]['mtime'] = $this->clock->now;
        $this->save();
        return true;
    }

    /** Destroying an unknown id is not an error. */
    public function destroy(string $id): bool
    {
        unset($this->records[$id]);
        $this->save();
        return true;
    }

    /** Remove records idle for more than $maxLifetime seconds; the count is gc()'s return value. */
    public function gc(int $maxLifetime): int
    {
        $removed = 0;
        foreach ($this->records as $id => $record) {
            if ($this->clock->now - $record['mtime'] > $maxLifetime) {
                unset($this->records[$id]);
                $removed++;
            }
        }
        if ($removed > 0) {
            $this->save();
        }
        return $removed;
    }

    public function exists(string $id): bool
    {
        return isset($this->records[$id]);
    }

    /**
     * A fresh id no record uses, shaped as the model's memory handler makes them: 26 characters of
     * PHP's 5-bit alphabet [0-9a-v]. The oracle renames ids but compares their length and alphabet.
     */
    public function freshId(): string
    {
        $alphabet = '0123456789abcdefghijklmnopqrstuv';
        do {
            $id = '';
            for ($i = 0; $i < 26; $i++) {
                $id .= $alphabet[random_int(0, 31)];
            }
        } while ($this->exists($id));
        return $id;
    }

    private function load(): void
    {
        if (!is_file($this->file)) {
            return;
        }
        $list = unserialize((string) file_get_contents($this->file), ['allowed_classes' => false]);
        if (!is_array($list)) {
            throw new ProgramError("store_file {$this->file} is not a serialized list");
        }
        foreach ($list as $record) {
            $this->records[(string) $record['id']] = [
                'data' => (string) $record['data'],
                'mtime' => (int) $record['mtime'],
            ];
        }
    }

    private function save(): void
    {
        $list = [];
        foreach ($this->records as $id => $record) {
            $list[] = ['id' => (string) $id, 'data' => $record['data'], 'mtime' => $record['mtime']];
        }
        // Write a sibling file and rename it, so a crash never leaves half a store behind.
        $tmp = $this->file . '.tmp';
        if (file_put_contents($tmp, serialize($list)) === false || !rename($tmp, $this->file)) {
            throw new \RuntimeException("cannot save the store to {$this->file}");
        }
    }
}
