<?php
// The torn-data campaign's check (bench/torn_data.py): every stored session decodes with PHP's
// session_decode under the configured serializer (php), and (MODE "sums") its payload matches
// its md5. php -n check.php files DIR MODE | sqlite FILE MODE: prints one JSON line
// {"sessions": N, "torn": [{"id", "why", "bytes"}...]}.

declare(strict_types=1);

[$self, $store, $dir, $mode] = $argv + [null, 'files', '/tmp', 'sums'];
$stored = [];
if ($store === 'files') {
    foreach (glob($dir . '/sess_*') ?: [] as $file) {
        $stored[substr(basename($file), 5)] = (string) file_get_contents($file);
    }
} else {
    $pdo = new PDO('sqlite:' . $dir, null, null,
        [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION, PDO::ATTR_TIMEOUT => 10]);
    $table = $pdo->query("SELECT name FROM sqlite_master WHERE name = 'sessions'")->fetchColumn();
    if ($table !== false) {
        foreach ($pdo->query('SELECT id, data FROM sessions') as $row) {
            $stored[$row['id']] = (string) $row['data'];
        }
    }
}
$torn = [];
ini_set('session.serialize_handler', 'php');
ini_set('session.use_cookies', '0');
ini_set('session.save_handler', 'files');
ini_set('session.save_path', sys_get_temp_dir());
ini_set('session.cache_limiter', '');
// session_decode() decodes into an active session only: one of its own, destroyed at the end.
session_id('torncheck' . getmypid());
session_start();
foreach ($stored as $id => $data) {
    // An empty session is a session PHP would start empty: whole, not torn.
    if ($data === '') {
        continue;
    }
    // A failed decode destroys the session ("Session has been destroyed"): start it again.
    if (session_status() !== PHP_SESSION_ACTIVE) {
        session_start();
    }
    $_SESSION = [];
    $ok = @session_decode($data);
    $why = null;
    if ($ok !== true) {
        $why = 'session_decode failed';
    } elseif ($mode !== 'sums') {
        $why = null;
    } elseif (!isset($_SESSION['payload'], $_SESSION['sum'])) {
        $why = 'decodes without payload and sum';
    } elseif (md5((string) $_SESSION['payload']) !== $_SESSION['sum']) {
        $why = 'payload does not match its md5 (two writes mixed)';
    }
    if ($why !== null) {
        $torn[] = ['id' => (string) $id, 'why' => $why, 'bytes' => strlen($data)];
    }
}
if (session_status() === PHP_SESSION_ACTIVE) {
    session_destroy();
}
echo json_encode(['sessions' => count($stored), 'torn' => $torn]), "\n";
