<?php

declare(strict_types=1);

namespace SessionSpec\Oracle;

/** The scenario's virtual clock (seconds). Only `advance` calls move it; real time is never consulted. */
final class Clock
{
    public function __construct(public int $now)
    {
    }
}
