<?php

// Bootstrap of a deliberately broken handler (adapters/php/broken/README.md).
require_once __DIR__ . '/ProcessLocalLockHandler.php';

return static fn (array $context): ProcessLocalLockHandler => new ProcessLocalLockHandler($context['dir']);
