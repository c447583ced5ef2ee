<?php

// Bootstrap of a deliberately broken handler (adapters/php/broken/README.md).
require_once __DIR__ . '/LockAfterCloseHandler.php';

return static fn (array $context): LockAfterCloseHandler => new LockAfterCloseHandler($context['dir']);
