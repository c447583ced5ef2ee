<?php

// Bootstrap of a deliberately broken handler (docs/broken-php-handlers.md).
require_once __DIR__ . '/ProcessLocalLockHandler.php';

return static fn (array $context): ProcessLocalLockHandler => new ProcessLocalLockHandler($context['dir']);
