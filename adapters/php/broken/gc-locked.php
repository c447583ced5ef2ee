<?php

// Bootstrap of a deliberately broken handler (docs/broken-php-handlers.md).
require_once __DIR__ . '/GcLockedHandler.php';

return static fn (array $context): GcLockedHandler => new GcLockedHandler($context['dir']);
