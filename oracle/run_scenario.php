<?php

/*
 * Example driver (for humans; the C++ side does this itself): expands a multi-request example file into
 * one harness program per request, runs `php -n harness.php` for each, and chains what the requests
 * share — seq numbers, the virtual clock, the store file and the browser's cookie jar.
 *
 *     php -n oracle/run_scenario.php [--summary] oracle/examples/NAME.json
 *
 * Example file: {"scenario", "variant", "ini", "seed", "now", "requests": [{"cookie"?, "calls"}, ...]}.
 * A request without "cookie" sends the jar (the id of the previous response, kept when that is ""
 * because destroy sends no deletion cookie); "cookie": null sends none; a string sends exactly that.
 * Without --summary it prints the full trace: a `run` event, then each request's harness output.
 */

declare(strict_types=1);

ini_set('display_errors', 'stderr');

$args = array_slice($argv, 1);
$summary = ($args[0] ?? '') === '--summary';
if ($summary) {
    array_shift($args);
}
if (count($args) !== 1) {
    fwrite(STDERR, "usage: php -n run_scenario.php [--summary] EXAMPLE.json\n");
    exit(2);
}
$example = json_decode((string) file_get_contents($args[0]), true, 64, JSON_THROW_ON_ERROR);
$scenario = $example['scenario'] ?? basename($args[0], '.json');
$variant = $example['variant'] ?? 'full';
$ini = $example['ini'] ?? [];
$work = sys_get_temp_dir() . '/oracle-' . $scenario . '-' . getmypid();
mkdir($work, 0700, true);
register_shutdown_function('removeTree', $work);
if ($variant === 'sessionhandler') {
    $ini['save_path'] = $work . '/files'; // the files module needs a real, private directory
}

$runEvent = ['v' => 1, 'scenario' => $scenario, 'request' => 0, 'seq' => 0, 'step' => 0, 'kind' => 'run',
    'name' => 'run', 'args' => [], 'result' => null, 'engine' => 'php-real',
    'handler' => $variant === 'sessionhandler' ? 'oracle:files' : 'oracle:trace-store',
    'variant' => $variant, 'ini' => (object) array_map('strval', $ini), 'seed' => 0];
emit($summary ? null : json_encode($runEvent, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE));

$seq = 1;
$now = $example['now'] ?? 1700000000;
$jar = null;
foreach ($example['requests'] as $i => $request) {
    $program = [
        'scenario' => $scenario,
        'request' => $i + 1,
        'seq_start' => $seq,
        'variant' => $variant,
        'ini' => $ini,
        'cookie' => array_key_exists('cookie', $request) ? $request['cookie'] : $jar,
        'store_file' => "$work/store.ser",
        'now' => $now,
        'seed' => $i === 0 ? ($example['seed'] ?? []) : [],
        'calls' => $request['calls'],
    ];
    $file = "$work/request-" . ($i + 1) . '.json';
    file_put_contents($file, json_encode($program, JSON_UNESCAPED_SLASHES | JSON_PRETTY_PRINT));
    exec('php -n ' . escapeshellarg(__DIR__ . '/harness.php') . ' ' . escapeshellarg($file), $lines, $rc);
    if ($rc !== 0) {
        fwrite(STDERR, "harness failed (exit $rc) on $file\n");
        exit(1);
    }
    foreach ($lines as $line) {
        $event = json_decode($line, true, 64, JSON_THROW_ON_ERROR);
        $seq = $event['seq'] + 1;
        if ($event['kind'] === 'response' && $event['id'] !== '' && $event['id'] !== false) {
            $jar = $event['id'];
        }
        emit($summary ? summarize($event) : $line);
    }
    $lines = [];
    foreach ($request['calls'] as $call) {
        $now += $call['op'] === 'advance' ? $call['seconds'] : 0;
    }
}

function removeTree(string $dir): void
{
    $items = new RecursiveIteratorIterator(
        new RecursiveDirectoryIterator($dir, FilesystemIterator::SKIP_DOTS),
        RecursiveIteratorIterator::CHILD_FIRST,
    );
    foreach ($items as $item) {
        $item->isDir() ? rmdir($item->getPathname()) : unlink($item->getPathname());
    }
    rmdir($dir);
}

function emit(?string $line): void
{
    if ($line !== null) {
        echo $line, "\n";
    }
}

/** One short line per event: what a human compares with php-session-semantics.md. */
function summarize(array $e): string
{
    $short = static fn (mixed $v): string => json_encode($v, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
    $args = implode(', ', array_map($short, $e['args']));
    $bin = isset($e['bin']) ? '  (bin: each code point is one byte)' : '';
    return match ($e['kind']) {
        'request' => "request {$e['request']} cookie=" . $short($e['args'][0]),
        'script' => sprintf("  %d %s(%s) -> %s  [%s id=%s]%s", $e['step'], $e['name'], $args, $short($e['result']),
            $e['status'], $short($e['id']), diagnostics($e)),
        'handler' => "      {$e['name']}($args) -> " . $short($e['result']),
        'response' => sprintf("  %d end  [%s id=%s session=%s]%s", $e['step'], $e['status'], $short($e['id']),
            $short($e['session']), diagnostics($e)),
        default => $short($e),
    } . $bin;
}

function diagnostics(array $e): string
{
    $out = '';
    foreach ($e['diagnostics'] ?? [] as $d) {
        $out .= "  !{$d['level']}: {$d['message']}";
    }
    return $out;
}
