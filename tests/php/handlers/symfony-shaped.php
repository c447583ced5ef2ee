<?php

require_once __DIR__ . '/shapes.php';

return static fn (array $context): SymfonyShapedHandler => new SymfonyShapedHandler($context['dir']);
