<?php

// Bootstrap of ExpireOnReadHandler (expire-on-read, declares `expiry=lazy`):
// `sessionspec certify --handler php:class:adapters/php/classes/expire-on-read.php`.
// $context['dir'] is a fresh directory per scenario, property case and schedule.

require_once __DIR__ . '/ExpireOnReadHandler.php';

return static fn (array $context): ExpireOnReadHandler => new ExpireOnReadHandler($context['dir']);
