<?php

declare(strict_types=1);

require_once __DIR__ . '/../classes/UnlockedFileHandler.php';

/**
 * BROKEN on purpose: updateTimestamp() is PHP's touch(), which answers true and, for a session
 * file another request deleted meanwhile (a logout in another tab, a gc), creates an empty one.
 * PHP is told the unchanged session was kept; the next request finds it empty
 * (sessionspec: L3.race.race-touch-after-destroy fails: the read answers "" where the touched
 * data is expected).
 */
final class TouchTrueHandler extends UnlockedFileHandler
{
    public function updateTimestamp(string $id, string $data): bool
    {
        return self::validId($id) && touch($this->file($id), time());
    }
}
