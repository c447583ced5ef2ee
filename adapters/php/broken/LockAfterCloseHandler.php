<?php

declare(strict_types=1);

require_once __DIR__ . '/../classes/FlockFileHandler.php';

/**
 * BROKEN on purpose: close() forgets to release the session lock; it goes only when the handler
 * object dies at the end of the process. A request that calls session_write_close() early (the
 * usual advice before slow work) still blocks every other request of the same visitor until it
 * ends, and under PHP-FPM, whose workers outlive requests, a lock may be held for good
 * (sessionspec: L3.race.race-work-after-close fails with a progress failure that names it).
 */
final class LockAfterCloseHandler extends FlockFileHandler
{
    public function close(): bool
    {
        return true;
    }
}
