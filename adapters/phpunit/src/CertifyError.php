<?php

declare(strict_types=1);

namespace SessionSpec\PHPUnit;

/** sessionspec could not certify the handler (an unusable handler, a bad option, a tool error). */
final class CertifyError extends \RuntimeException
{
}
