<?php
// One PHP process of the torn-data campaign (bench/torn_data.py): PHP's own session module, with
// the files module or a PDO-SQLite handler class, rewrites a few sessions in a loop until it is
// SIGKILLed. Each session holds a payload of a drawn size (growing and shrinking, so that the
// files module's write-then-truncate and SQLite's page updates both have windows to be killed in)
// and the payload's md5, so a session that decodes but mixes two writes is caught too.
//
// php -n worker.php STORE DIR SEED IDS: STORE "files" or "pdo-sqlite"; DIR the session directory
// or the SQLite file's directory; IDS how many session ids ("s0" ... ) it rewrites. Each phase is
// printed (and flushed) before it starts, so the parent knows where its kill landed.

declare(strict_types=1);

[$self, $store, $dir, $seed, $ids] = $argv + [null, 'files', '/tmp', '1', '4'];
mt_srand((int) $seed);
ini_set('session.use_cookies', '0');
ini_set('session.use_strict_mode', '0');
ini_set('session.gc_probability', '0');
ini_set('session.cache_limiter', '');
if ($store === 'files') {
    ini_set('session.save_handler', 'files');
    ini_set('session.save_path', $dir);
} else {
    require_once __DIR__ . '/../../adapters/php/fixtures/PdoSqliteHandler.php';
    $pdo = new PDO('sqlite:' . $dir . '/sessions.sqlite', null, null,
        [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION, PDO::ATTR_TIMEOUT => 10]);
    $pdo->exec('CREATE TABLE IF NOT EXISTS sessions '
        . '(id TEXT PRIMARY KEY, data BLOB NOT NULL, mtime INTEGER NOT NULL)');
    session_set_save_handler(new PdoSqliteHandler($pdo), true);
}

/** The phase the process enters next; the parent reads it as "where the kill landed". */
function phase(string $name): void
{
    fwrite(STDOUT, $name . "\n");
    fflush(STDOUT);
}

// Bounded: the parent kills it long before; a worker nobody kills stops by itself.
$rounds_max = 100000;
phase('ready');
// Every worker of a round is ready before any writes: the parent says go (a line on stdin).
fgets(STDIN);
for ($round = 0; $round < $rounds_max; ++$round) {
    session_id('s' . mt_rand(0, (int) $ids - 1));
    phase('session_start');
    session_start();
    phase('script');
    $size = mt_rand(0, 3) === 0 ? mt_rand(1, 64) : mt_rand(1, 65536);
    $payload = str_repeat(chr(mt_rand(97, 122)), $size) . mt_rand();
    $_SESSION['n'] = ($_SESSION['n'] ?? 0) + 1;
    $_SESSION['payload'] = $payload;
    $_SESSION['sum'] = md5($payload);
    phase('session_write_close');
    session_write_close();
    phase('between');
}
