<?php

// Bootstrap of a deliberately broken handler (docs/broken-php-handlers.md).
require_once __DIR__ . '/PrefixDestroyHandler.php';

return static fn (array $context): PrefixDestroyHandler => new PrefixDestroyHandler($context['dir']);
