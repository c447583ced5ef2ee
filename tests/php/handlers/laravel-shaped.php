<?php

require_once __DIR__ . '/shapes.php';

return static fn (array $context): LaravelShapedHandler => new LaravelShapedHandler($context['dir']);
