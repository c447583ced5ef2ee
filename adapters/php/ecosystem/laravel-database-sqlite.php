<?php

declare(strict_types=1);

// Laravel 8 DatabaseSessionHandler (php-illuminate-session, php-illuminate-database) on an SQLite
// database in the run's fresh directory, the `sessions` table of Laravel's own migration
// (`php artisan session:table`), the lifetime (minutes) set from session.gc_maxlifetime.
//   sessionspec certify --handler 'php:class:adapters/php/ecosystem/laravel-database-sqlite.php?ext=pdo,pdo_sqlite,mbstring,ctype&concurrency=last-writer-wins&expiry=lazy'
// What the handler does (DatabaseSessionHandler.php):
// - concurrency=last-writer-wins: a SELECT in read(), an UPDATE (or INSERT) in write(), no lock;
// - expiry=lazy: read() answers '' for a row whose last_activity is older than `minutes`
//   (expired()); gc() deletes rows with last_activity <= now - its argument.

require_once 'Illuminate/Session/autoload.php';
require_once 'Illuminate/Database/autoload.php';

use Illuminate\Database\Capsule\Manager as Capsule;
use Illuminate\Database\Connection;
use Illuminate\Database\Schema\Blueprint;
use Illuminate\Session\DatabaseSessionHandler;

/** The connection to $dir/sessions.db, with Laravel's sessions table made once. */
function sessionspec_laravel_sqlite(string $dir): Connection
{
    $file = $dir . '/sessions.db';
    if (!is_file($file)) {
        touch($file);
    }
    $capsule = new Capsule();
    $capsule->addConnection(['driver' => 'sqlite', 'database' => $file, 'prefix' => '']);
    $connection = $capsule->getConnection();
    $schema = $connection->getSchemaBuilder();
    try {
        if (!$schema->hasTable('sessions')) {
            // database/migrations/..._create_sessions_table.php, as `session:table` writes it.
            $schema->create('sessions', static function (Blueprint $table): void {
                $table->string('id')->primary();
                $table->foreignId('user_id')->nullable()->index();
                $table->string('ip_address', 45)->nullable();
                $table->text('user_agent')->nullable();
                $table->longText('payload');
                $table->integer('last_activity')->index();
            });
        }
    } catch (Illuminate\Database\QueryException $e) {
        // Another request of the same run made it first (each request is a process of its own).
        if (!str_contains($e->getMessage(), 'already exists')) {
            throw $e;
        }
    }
    return $connection;
}

return static fn (array $context): DatabaseSessionHandler => new DatabaseSessionHandler(
    sessionspec_laravel_sqlite($context['dir']),
    'sessions',
    (int) ini_get('session.gc_maxlifetime') / 60,
);
