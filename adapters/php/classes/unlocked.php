<?php

// Bootstrap of UnlockedFileHandler (a correct last-writer-wins handler, no locks).
require_once __DIR__ . '/UnlockedFileHandler.php';

return static fn (array $context): UnlockedFileHandler => new UnlockedFileHandler($context['dir']);
