<?php

// Bootstrap of a deliberately broken handler (docs/broken-php-handlers.md).
require_once __DIR__ . '/RepeatingIdHandler.php';

return static fn (array $context): RepeatingIdHandler => new RepeatingIdHandler($context['dir']);
