<?php

// Bootstrap of FlockFileHandler: `sessionspec certify --handler php:class:adapters/php/classes/flock.php`.
// $context['dir'] is a fresh directory per scenario, property case and schedule.

require_once __DIR__ . '/FlockFileHandler.php';

return static fn (array $context): FlockFileHandler => new FlockFileHandler($context['dir']);
