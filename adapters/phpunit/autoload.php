<?php

declare(strict_types=1);

// Loads the PHPUnit bridge (namespace SessionSpec\PHPUnit): give it to phpunit as its bootstrap,
// `phpunit --bootstrap /usr/share/sessionspec/adapters/phpunit/autoload.php tests/`, or
// require_once it from your own bootstrap (README.md, "Certify your PHP handler").
spl_autoload_register(static function (string $class): void {
    $prefix = 'SessionSpec\\PHPUnit\\';
    if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
        return;
    }
    $file = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
    if (is_file($file)) {
        require_once $file;
    }
});
