<?php

declare(strict_types=1);

namespace SessionSpec\Oracle;

/**
 * The storage of a session module that the harness prepares and ages from outside the module:
 * FilesDir (files) and RedisKeys (phpredis: redis and rediscluster). Modules run on the real clock;
 * the scenario's virtual clock is emulated by ageing what they store.
 */
interface ModuleStore
{
    /** Removes every session of this store (program "fresh"). */
    public function clear(): void;

    /** Puts a session in place that was last written $ageSeconds ago. */
    public function seed(string $id, string $data, int $ageSeconds): void;

    /** The virtual clock moved on by $seconds: everything stored gets that much older. */
    public function advance(int $seconds): void;
}
