<?php

declare(strict_types=1);

namespace SessionSpec\PHPUnit;

use PHPUnit\Framework\TestCase;

/**
 * Certifies a PHP session handler with sessionspec from inside PHPUnit: extend this class with
 * one method, createHandler(), and phpunit runs `sessionspec certify --handler
 * php:class:BOOTSTRAP --format json` on the handler it returns and turns every row of the
 * certificate into a test (README.md, "Certify your PHP handler"; docs/certify.md, "PHPUnit").
 *
 * A failing row fails its test with the row's evidence and replay line; a finding (an anomaly
 * the declared guarantees allow) and a skipped row are skipped tests whose message says so; a
 * passing row passes. An unusable handler or a sessionspec error is a PHPUnit error, never a pass.
 *
 * sessionspec runs the handler in PHP processes of its own (`php -n`, one per request), not in
 * this one: createHandler() is static, and the bootstrap sessionspec loads (BootstrapWriter)
 * requires PHPUnit's autoloader, Composer's, this file's and the test class's file, then calls it.
 */
abstract class HandlerCertificationTestCase extends TestCase
{
    /** @var array<class-string, array<string, array<string, mixed>>> rows by data set, per class */
    private static array $rows = [];

    /**
     * The handler under test, built on the fresh store $context names: `dir` (an empty scratch
     * directory), `prefix` (a key prefix), `redis_port`, `memcached_port`, `clock` (a
     * Closure(): int, the scenario's virtual clock) and `tag` (docs/certify.md).
     *
     * @param array<string, mixed> $context
     */
    abstract public static function createHandler(array $context): \SessionHandlerInterface;

    /**
     * The guarantees the handler declares, passed as `--guarantee KEY=VALUE` (they win over the
     * class's own sessionspecGuarantees()): `concurrency`, `expiry`, `ttl_s`, `id_bytes_max`,
     * `payload_bytes_max`. What nobody declares, certify assumes at its weakest.
     *
     * @return array<string, string|int>
     */
    public static function guarantees(): array
    {
        return [];
    }

    /**
     * Options of the run (Options::KEYS): the class's values override the defaults, and the
     * environment (SESSIONSPEC_BIN, SESSIONSPEC_LEVEL, ...) overrides both.
     *
     * @return array<string, mixed>
     */
    public static function certifyOptions(): array
    {
        return [];
    }

    /**
     * One data set per certificate row, named by the row id (and the handler, when the
     * certificate has several), or one `sessionspec` data set carrying the error when certify
     * could not certify at all. A data set holds only its name, so that PHPUnit shows the name
     * and not the whole row; the rows stay here.
     *
     * @return array<string, array{0: string}>
     */
    public static function certificateRows(): array
    {
        if (!isset(self::$rows[static::class])) {
            self::$rows[static::class] = self::runCertify();
        }
        $sets = [];
        foreach (array_keys(self::$rows[static::class]) as $name) {
            $sets[$name] = [$name];
        }
        return $sets;
    }

    /** @dataProvider certificateRows */
    public function testCertificateRow(string $name): void
    {
        // Under process isolation the data provider ran in another process: certify again here.
        static::certificateRows();
        $row = self::$rows[static::class][$name] ?? ['verdict' => 'tool-error',
            'evidence' => "the certificate has no row '$name'"];
        $verdict = $row['verdict'] ?? 'error';
        if ($verdict === 'tool-error') {
            throw new CertifyError((string) $row['evidence']);
        }
        $message = RowMessage::of($row);
        switch ($verdict) {
            case 'pass':
                $this->addToAssertionCount(1);
                return;
            case 'finding':
            case 'skip':
                $this->markTestSkipped($message);
                // markTestSkipped() throws.
            default:
                $this->fail($message);
        }
    }

    /** @return array<string, array<string, mixed>> */
    private static function runCertify(): array
    {
        try {
            $options = Options::resolve(static::certifyOptions(), getenv());
            $bootstrap = BootstrapWriter::write(static::class, $options['bootstrap_dir']);
            $certificate = (new Certifier($options))->run($bootstrap, static::guarantees());
            return self::dataSets($certificate);
        } catch (CertifyError $error) {
            return ['sessionspec' => ['verdict' => 'tool-error',
                'evidence' => $error->getMessage()]];
        } catch (\Throwable $error) {
            return ['sessionspec' => ['verdict' => 'tool-error',
                'evidence' => get_class($error) . ': ' . $error->getMessage()]];
        }
    }

    /**
     * @param array<string, mixed> $certificate
     * @return array<string, array<string, mixed>> the rows by data set name
     */
    private static function dataSets(array $certificate): array
    {
        $several = count($certificate['handlers'] ?? []) > 1;
        $sets = [];
        foreach ($certificate['verdicts'] as $row) {
            $name = $several ? $row['handler'] . ' ' . $row['property'] : $row['property'];
            $sets[$name] = $row;
        }
        return $sets;
    }
}
