<?php

/*
 * A deliberately misbehaving handler child for exec_handler_test.cpp:
 *     php tests/php/exec_child.php MODE
 * It greets like a real one (sessionspec-handler-protocol/1), then on the first call:
 *   crash   - dies from SIGKILL (as a segfaulting or OOM-killed child would)
 *   exit    - exits with status 3 without answering
 *   hang    - never answers
 *   garble  - answers a line that is not JSON
 *   wrongid - answers with another id
 * and in modes hang-hello / garble-hello it misbehaves on the greeting already. An optional second
 * argument is a JSON object the greeting declares as its `guarantees`.
 */

declare(strict_types=1);

// Under `php -n` a PHP error would go to stdout and make every mode look "garbled".
ini_set('display_errors', 'stderr');
$mode = $argv[1] ?? 'crash';
$hello = ['protocol' => 'sessionspec-handler-protocol/1',
    'methods' => ['open', 'close', 'read', 'write', 'destroy', 'gc']];
if (isset($argv[2])) {
    $hello['guarantees'] = json_decode($argv[2], false);
}
while (($line = fgets(STDIN)) !== false) {
    $msg = json_decode($line, true);
    $isHello = ($msg['method'] ?? '') === 'hello';
    $misbehave = $isHello ? str_ends_with($mode, '-hello') : !str_ends_with($mode, '-hello');
    if (!$misbehave) {
        echo json_encode(['id' => $msg['id'], 'ok' => true, 'result' => $isHello ? $hello : true]), "\n";
        continue;
    }
    match (explode('-', $mode)[0]) {
        'crash' => exec('kill -KILL ' . getmypid()), // posix is not loaded under -n
        'exit' => exit(3),
        'hang' => sleep(600),
        'garble' => print("this is not json\n"),
        'wrongid' => print(json_encode(['id' => 12345, 'ok' => true, 'result' => true]) . "\n"),
    };
}
