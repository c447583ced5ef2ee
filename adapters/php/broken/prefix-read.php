<?php

// Bootstrap of a deliberately broken handler (docs/broken-php-handlers.md).
require_once __DIR__ . '/PrefixReadHandler.php';

return static fn (array $context): PrefixReadHandler => new PrefixReadHandler($context['dir']);
