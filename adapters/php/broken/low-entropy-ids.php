<?php

// Bootstrap of a deliberately broken handler (docs/broken-php-handlers.md).
require_once __DIR__ . '/LowEntropyIdHandler.php';

return static fn (array $context): LowEntropyIdHandler => new LowEntropyIdHandler($context['dir']);
