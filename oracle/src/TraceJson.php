<?php

declare(strict_types=1);

namespace SessionSpec\Oracle;

/**
 * JSON lines as described in docs/trace-format.md.
 *
 * PHP strings are byte strings; JSON strings are Unicode. When every string of an event is valid UTF-8 it
 * is written as is. Otherwise *every* string of that event is written byte by byte (each byte >= 0x80
 * becomes the code point U+00XX, which json_encode() writes as \u00XX) and the event gets "bin": true, so a
 * reader maps each code point < 256 back to one byte. The decision is per event because a reader cannot
 * tell which of the event's strings were converted.
 */
final class TraceJson
{
    private const FLAGS = JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR;

    /** @param array<string, mixed> $event */
    public static function encodeEvent(array $event): string
    {
        if (!self::allUtf8($event)) {
            $event['bin'] = true;
            // Without JSON_UNESCAPED_UNICODE json_encode() writes U+0080..U+00FF as \u0080..\u00ff.
            return json_encode(self::mapStrings($event, self::bytesToCodePoints(...)), self::FLAGS);
        }
        return json_encode($event, self::FLAGS | JSON_UNESCAPED_UNICODE);
    }

    public static function isUtf8(string $s): bool
    {
        return preg_match('//u', $s) === 1;
    }

    /** Each byte >= 0x80 becomes the UTF-8 encoding of U+00XX (Latin-1 to UTF-8, without mbstring). */
    public static function bytesToCodePoints(string $bytes): string
    {
        return preg_replace_callback(
            '/[\x80-\xFF]/',
            static fn (array $m): string => chr(0xC0 | (ord($m[0]) >> 6)) . chr(0x80 | (ord($m[0]) & 0x3F)),
            $bytes,
        );
    }

    /**
     * Inverse of bytesToCodePoints() for input strings flagged "bin": a (valid UTF-8) string whose code
     * points are all < 256 becomes the bytes they stand for.
     */
    public static function codePointsToBytes(string $text): string
    {
        if (!self::isUtf8($text) || preg_match('/[\x{100}-\x{10FFFF}]/u', $text) === 1) {
            throw new ProgramError('a "bin" string may only hold code points below U+0100');
        }
        return preg_replace_callback(
            '/[\xC2\xC3][\x80-\xBF]/',
            static fn (array $m): string => chr(((ord($m[0][0]) & 0x1F) << 6) | (ord($m[0][1]) & 0x3F)),
            $text,
        );
    }

    private static function allUtf8(mixed $value): bool
    {
        if (is_string($value)) {
            return self::isUtf8($value);
        }
        if (is_array($value)) {
            foreach ($value as $item) {
                if (!self::allUtf8($item)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static function mapStrings(mixed $value, callable $fn): mixed
    {
        if (is_string($value)) {
            return $fn($value);
        }
        if (is_array($value)) {
            return array_map(static fn (mixed $item): mixed => self::mapStrings($item, $fn), $value);
        }
        return $value;
    }
}
