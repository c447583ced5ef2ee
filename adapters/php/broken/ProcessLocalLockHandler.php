<?php

declare(strict_types=1);

require_once __DIR__ . '/../classes/FlockFileHandler.php';

/**
 * BROKEN on purpose: the session lock lives in a static array, so it serialises requests inside
 * one PHP process only. Under PHP-FPM every request may run in another worker process, and two
 * of them read the same session at once: one's update is lost although the class declares
 * `serialised` (sessionspec: L3.race.race-two-tabs-counter fails with lost-update).
 */
final class ProcessLocalLockHandler extends FlockFileHandler
{
    /** @var array<string, true> the ids some handler object of this process has locked */
    private static array $locks = [];

    protected function lock(string $id): bool
    {
        if ($this->locked === $id) {
            return true;
        }
        $this->unlock();
        if (isset(self::$locks[$id])) {
            return false;  // another request of this process holds it
        }
        self::$locks[$id] = true;
        $this->locked = $id;
        return true;
    }

    protected function unlock(): void
    {
        if ($this->locked !== null) {
            unset(self::$locks[$this->locked]);
        }
        $this->locked = null;
    }

    protected function held(string $id): bool
    {
        return $this->locked !== $id && isset(self::$locks[$id]);
    }
}
