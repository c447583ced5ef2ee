<?php

declare(strict_types=1);

namespace SessionSpec\PHPUnit;

/**
 * Runs `sessionspec certify --handler php:class:BOOTSTRAP --format json` (no shell) and returns
 * the certificate (docs/certificate-format.md). Exit 0 (certified), 1 (not certified) and 3
 * (incomplete) carry a certificate on stdout; anything else, or stdout without one, is a
 * CertifyError carrying certify's stderr.
 */
final class Certifier
{
    /** How often the run is polled while it lasts. */
    private const POLL_US = 20000;

    /** @param array<string, mixed> $options Options::resolve() */
    public function __construct(private readonly array $options)
    {
    }

    /**
     * @param array<string, string|int> $guarantees
     * @return array<string, mixed>
     */
    public function run(string $bootstrap, array $guarantees): array
    {
        $command = $this->command($bootstrap, $guarantees);
        [$status, $stdout, $stderr] = $this->execute($command);
        $shown = implode(' ', array_map('escapeshellarg', $command));
        if (!in_array($status, [0, 1, 3], true)) {
            throw new CertifyError("$shown exited $status:\n" . trim($stderr));
        }
        $certificate = json_decode($stdout, true);
        if (!is_array($certificate) || !is_array($certificate['verdicts'] ?? null)
            || $certificate['verdicts'] === []) {
            throw new CertifyError(
                "$shown exited $status without a certificate:\n" . trim($stderr)
            );
        }
        $binary = (string) $this->options['binary'];
        foreach ($certificate['verdicts'] as &$row) {
            $row['replay'] = self::withBinary($row['replay'] ?? null, $binary);
            foreach ($row['failing'] ?? [] as $i => $failing) {
                $replay = $failing['replay'] ?? null;
                $row['failing'][$i]['replay'] = self::withBinary($replay, $binary);
            }
        }
        unset($row);
        return $certificate;
    }

    /**
     * @param array<string, string|int> $guarantees
     * @return list<string>
     */
    public function command(string $bootstrap, array $guarantees): array
    {
        $o = $this->options;
        $uri = 'php:class:' . $bootstrap;
        if ($o['extensions'] !== []) {
            $uri .= '?ext=' . implode(',', (array) $o['extensions']);
        }
        $command = [self::locate((string) $o['binary']), 'certify', '--handler', $uri,
            '--format', 'json', '--level', (string) $o['level'], '--seed', (string) $o['seed']];
        $flags = ['cases' => '--cases', 'schedules' => '--schedules',
            'process_schedules' => '--process-schedules', 'report' => '--report'];
        foreach ($flags as $key => $flag) {
            if ($o[$key] !== null) {
                array_push($command, $flag, (string) $o[$key]);
            }
        }
        foreach ((array) $o['only'] as $prefix) {
            array_push($command, '--only', (string) $prefix);
        }
        foreach ($guarantees as $key => $value) {
            array_push($command, '--guarantee', "$key=$value");
        }
        return $command;
    }

    /**
     * @param list<string> $command
     * @return array{0: int, 1: string, 2: string} exit status, stdout, stderr
     */
    private function execute(array $command): array
    {
        // Files, not pipes: certify may write more than a pipe holds to either stream.
        $stdout = tmpfile();
        $stderr = tmpfile();
        $streams = [0 => ['file', '/dev/null', 'r'], 1 => $stdout, 2 => $stderr];
        $process = proc_open($command, $streams, $unused);
        if ($process === false) {
            throw new CertifyError("cannot start {$command[0]}");
        }
        $status = $this->wait($process, $command[0]);
        rewind($stdout);
        rewind($stderr);
        $text = static fn ($stream): string => (string) stream_get_contents($stream);
        return [$status, $text($stdout), $text($stderr)];
    }

    /** @param resource $process */
    private function wait($process, string $binary): int
    {
        $deadline = microtime(true) + (int) $this->options['timeout_s'];
        while (($state = proc_get_status($process))['running']) {
            if (microtime(true) > $deadline) {
                proc_terminate($process, 9);
                proc_close($process);
                throw new CertifyError("$binary certify did not finish within "
                    . "{$this->options['timeout_s']} s (timeout_s, SESSIONSPEC_TIMEOUT_S)");
            }
            usleep(self::POLL_US);
        }
        proc_close($process);
        return $state['exitcode'];
    }

    /** The binary as given when it names a path, else its path on PATH. */
    private static function locate(string $binary): string
    {
        if (str_contains($binary, '/')) {
            if (!is_file($binary) || !is_executable($binary)) {
                throw new CertifyError("SESSIONSPEC_BIN: '$binary' is not an executable file");
            }
            return $binary;
        }
        foreach (explode(PATH_SEPARATOR, (string) getenv('PATH')) as $folder) {
            if ($folder !== '' && is_file("$folder/$binary") && is_executable("$folder/$binary")) {
                return "$folder/$binary";
            }
        }
        throw new CertifyError(
            "'$binary' is not on PATH: install sessionspec or set SESSIONSPEC_BIN"
        );
    }

    /** A replay line that runs the binary this run used when that is not the one on PATH. */
    private static function withBinary(?string $replay, string $binary): ?string
    {
        if ($replay === null || !str_contains($binary, '/')
            || !str_starts_with($replay, 'sessionspec ')) {
            return $replay;
        }
        return escapeshellarg($binary) . substr($replay, strlen('sessionspec'));
    }
}
