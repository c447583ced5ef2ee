<?php

// Bootstrap of a deliberately broken handler (docs/broken-php-handlers.md).
require_once __DIR__ . '/LockAfterCloseHandler.php';

return static fn (array $context): LockAfterCloseHandler => new LockAfterCloseHandler($context['dir']);
