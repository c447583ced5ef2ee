<?php

/*
 * What every entry point of the oracle (harness.php, worker.php, introspect.php, create_sid.php)
 * does first: no diagnostic may ever reach stdout (that would corrupt the trace or the answer, and
 * counts as "output started", which changes session behaviour), so unhandled ones go to stderr;
 * then the oracle's classes, in dependency order.
 */

declare(strict_types=1);

ini_set('display_errors', 'stderr');
ini_set('log_errors', '0');
error_reporting(E_ALL);

require_once __DIR__ . '/TraceJson.php';
require_once __DIR__ . '/Tracer.php';
require_once __DIR__ . '/Clock.php';
require_once __DIR__ . '/TraceStore.php';
require_once __DIR__ . '/ModuleStore.php';
require_once __DIR__ . '/FilesDir.php';
require_once __DIR__ . '/RedisKeys.php';
require_once __DIR__ . '/Pauser.php';
require_once __DIR__ . '/Faults.php';
require_once __DIR__ . '/Program.php';
require_once __DIR__ . '/Call.php';
require_once __DIR__ . '/Shutdown.php';
require_once __DIR__ . '/Values.php';
require_once __DIR__ . '/Handlers.php';
require_once __DIR__ . '/UserClass.php';
require_once __DIR__ . '/UserProxy.php';
require_once __DIR__ . '/Harness.php';
