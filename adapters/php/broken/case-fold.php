<?php

// Bootstrap of a deliberately broken handler (docs/broken-php-handlers.md).
require_once __DIR__ . '/CaseFoldHandler.php';

return static fn (array $context): CaseFoldHandler => new CaseFoldHandler($context['dir']);
