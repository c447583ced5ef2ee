<?php

declare(strict_types=1);

// Shared by php-memcached-*.php: php-memcached's own session module (Debian php8.2-memcached,
// `session.save_handler = memcached`), certified through PHP's SessionHandler class as
// symfony-native-file.php certifies the files module: the bootstrap selects the module and its
// settings, then hands PHP a \SessionHandler, whose methods call the module (PHP's
// "sessionhandler" shape). The keys are the run's fresh prefix followed by the id. The module
// runs on the real clock (`clock=real`), and sessionspec ages its keys (as it ages phpredis's).
//
// The module reads its server list from the save path PHP passes to open(). sessionspec's
// scenarios keep session.save_path (the model judges the path open() gets), so the handler hands
// the module the server in open() instead; every other call goes to the module untouched.

/** PHP's SessionHandler over the module, opened on the given memcached server. */
final class SessionSpecMemcachedModule extends SessionHandler
{
    public function __construct(private readonly string $server)
    {
    }

    public function open(string $path, string $name): bool
    {
        return parent::open($this->server, $name);
    }
}

/**
 * A \SessionHandler over php-memcached's session module on 127.0.0.1:$context['memcached_port'].
 *
 * @param array<string, string> $ini php-memcached's session settings (memcached.sess_*)
 */
function sessionspec_php_memcached(array $context, array $ini): SessionSpecMemcachedModule
{
    if ($context['memcached_port'] === null) {
        throw new RuntimeException('php-memcached-*.php need a memcached: set MEMCACHED_PORT');
    }
    $settings = [
        'session.save_handler' => 'memcached',
        'memcached.sess_prefix' => $context['prefix'],
    ] + $ini;
    foreach ($settings as $name => $value) {
        if (ini_set($name, $value) === false) {
            throw new RuntimeException("ini_set($name, $value) failed (is memcached.so loaded?)");
        }
    }
    return new SessionSpecMemcachedModule('127.0.0.1:' . $context['memcached_port']);
}
