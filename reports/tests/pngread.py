"""A minimal PNG decoder (standard library only: zlib) for the browser test's "not blank" check.

Supports what Chromium writes: 8-bit greyscale, RGB, grey+alpha and RGBA, non-interlaced.
"""

import struct
import zlib

_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _unfilter(kind, line, prev, bpp):
    """Undo one scanline's filter (PNG spec section 9) in place and return it."""
    if kind == 0:
        return line
    if kind == 2:  # Up: vectorised through int.from_bytes would be overkill; bytes ops are enough
        return bytearray((x + y) & 0xFF for x, y in zip(line, prev))
    for i in range(len(line)):
        a = line[i - bpp] if i >= bpp else 0
        if kind == 1:
            line[i] = (line[i] + a) & 0xFF
        elif kind == 3:
            line[i] = (line[i] + ((a + prev[i]) >> 1)) & 0xFF
        elif kind == 4:
            c = prev[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + _paeth(a, prev[i], c)) & 0xFF
        else:
            raise ValueError(f"bad PNG filter type {kind}")
    return line


def read_png(path):
    """Return (width, height, channels, rows) where rows is a list of bytearrays of raw samples."""
    with open(path, "rb") as handle:
        data = handle.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    pos, idat, header = 8, [], None
    while pos < len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if ctype == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif ctype == b"IDAT":
            idat.append(body)
        elif ctype == b"IEND":
            break
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in _CHANNELS or interlace:
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {colour}, interlace {interlace})")
    channels = _CHANNELS[colour]
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        line = _unfilter(raw[start], bytearray(raw[start + 1:start + 1 + stride]), prev, channels)
        rows.append(line)
        prev = line
    return width, height, channels, rows


def write_png(path, width, height, channels, rows):
    """Write rows (as returned by read_png) as a PNG (used to crop screenshots for review)."""
    colour = {1: 0, 3: 2, 2: 4, 4: 6}[channels]

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\x00" + bytes(r) for r in rows)
    with open(path, "wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))


def grey_stats(path):
    """(mean, variance, distinct grey levels) of the screenshot's luminance, for "is it blank?"."""
    width, height, channels, rows = read_png(path)
    total = total_sq = 0
    levels = set()
    for row in rows:
        for x in range(0, width * channels, channels):
            if channels >= 3:
                grey = (299 * row[x] + 587 * row[x + 1] + 114 * row[x + 2]) // 1000
            else:
                grey = row[x]
            total += grey
            total_sq += grey * grey
            levels.add(grey)
    n = width * height
    mean = total / n
    return mean, total_sq / n - mean * mean, len(levels)
