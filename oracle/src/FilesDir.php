<?php

declare(strict_types=1);

namespace SessionSpec\Oracle;

/**
 * The directory of PHP's files module, for the "sessionhandler" variant (a SessionHandler subclass proxies
 * the files module, which keeps sessions in <dir>/<N levels of one-char sub-dirs>/sess_<id>).
 *
 * The files module uses the real clock (file mtimes, time()), not the virtual one. To keep `advance`
 * meaningful for gc, advancing the virtual clock by S seconds back-dates every sess_* file by S seconds,
 * and seeded sessions get an mtime that is as old (in real time) as they are in virtual time.
 */
final class FilesDir implements ModuleStore
{
    private readonly string $dir;
    private readonly int $levels;

    /** $savePath as PHP parses it: "[N;[MODE;]]dir". */
    public function __construct(string $savePath)
    {
        $parts = explode(';', $savePath);
        $this->dir = (string) end($parts);
        $this->levels = count($parts) > 1 ? (int) $parts[0] : 0;
        if ($this->dir === '') {
            throw new ProgramError('variant sessionhandler needs ini save_path (a directory)');
        }
        if (!is_dir($this->dir) && !mkdir($this->dir, 0700, true)) {
            throw new ProgramError("cannot create save_path directory {$this->dir}");
        }
    }

    public function clear(): void
    {
        foreach ($this->sessionFiles() as $file) {
            unlink($file->getPathname());
        }
        clearstatcache();
    }

    public function seed(string $id, string $data, int $ageSeconds): void
    {
        $file = $this->fileOf($id);
        if (!is_dir(dirname($file))) {
            mkdir(dirname($file), 0700, true);
        }
        file_put_contents($file, $data);
        chmod($file, 0600);
        touch($file, time() - $ageSeconds);
    }

    public function advance(int $seconds): void
    {
        foreach ($this->sessionFiles() as $file) {
            touch($file->getPathname(), $file->getMTime() - $seconds);
        }
        clearstatcache();
    }

    /** @return list<\SplFileInfo> every sess_* file under the directory */
    private function sessionFiles(): array
    {
        $files = new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator(
            $this->dir,
            \FilesystemIterator::SKIP_DOTS,
        ));
        $out = [];
        foreach ($files as $file) {
            if ($file->isFile() && str_starts_with($file->getFilename(), 'sess_')) {
                $out[] = $file;
            }
        }
        return $out;
    }

    private function fileOf(string $id): string
    {
        $subdirs = '';
        for ($i = 0; $i < $this->levels && $i < strlen($id); $i++) {
            $subdirs .= '/' . $id[$i];
        }
        return $this->dir . $subdirs . '/sess_' . $id;
    }
}
