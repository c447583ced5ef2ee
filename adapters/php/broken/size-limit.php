<?php

// Bootstrap of a deliberately broken handler (docs/broken-php-handlers.md).
require_once __DIR__ . '/SizeLimitHandler.php';

return static fn (array $context): SizeLimitHandler => new SizeLimitHandler($context['dir']);
