<?php

// Bootstrap of a deliberately broken handler (docs/broken-php-handlers.md).
require_once __DIR__ . '/TouchTrueHandler.php';

return static fn (array $context): TouchTrueHandler => new TouchTrueHandler($context['dir']);
