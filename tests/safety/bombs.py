"""An XLSX zip bomb, written part by part with zipfile's own structures: each bomb part is a
deflate stream of one compressed piece repeated (a full flush makes the pieces independent),
so a 16 MB file that would decompress to about 16 GB is built in well under a second."""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
        "</Types>"
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.'
        'org/spreadsheetml/2006/main"><sheets><sheet name="s" sheetId="1"/></sheets></workbook>'
    ),
}
ROW_START = b'<row><c t="inlineStr"><is><t>'
ROW_END = b"</t></is></c></row>"


def _piece(block: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    compressor.compress(block)
    compressor.flush(zlib.Z_FULL_FLUSH)  # the first piece may differ: take the second
    return compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)


def write_bomb(path: Path, compressed_mb: int = 16, bomb_parts: int = 4) -> int:
    """Write the bomb; returns what its parts would decompress to, in bytes."""
    block = ROW_START + b"A" * ((1 << 20) - len(ROW_START) - len(ROW_END)) + ROW_END
    piece = _piece(block)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)
    repeats = min((compressed_mb << 20) // bomb_parts // len(piece), (0xFFFFFFFF // len(block)))
    entries: list[tuple[str, int, int, int, int, bytes | None]] = []
    total = 0
    with path.open("wb") as out:

        def entry(name: str, data: bytes | None, size: int, crc: int) -> None:
            offset = out.tell()
            encoded = name.encode()
            compressed = (len(piece) * repeats + len(final)) if data is None else len(data)
            out.write(
                struct.pack(
                    "<IHHHHHIIIHH",
                    0x04034B50,
                    20,
                    0,
                    8,
                    0,
                    0,
                    crc,
                    compressed,
                    size,
                    len(encoded),
                    0,
                )
                + encoded
            )
            if data is None:
                for _ in range(repeats):
                    out.write(piece)
                out.write(final)
            else:
                out.write(data)
            entries.append((name, offset, compressed, size, crc, None))

        for name, text in PARTS.items():
            raw = text.encode()
            squeezed = zlib.compressobj(9, zlib.DEFLATED, -15)
            data = squeezed.compress(raw) + squeezed.flush()
            entry(name, data, len(raw), zlib.crc32(raw))
        for number in range(1, bomb_parts + 1):
            size = len(block) * repeats
            total += size
            entry(f"xl/worksheets/sheet{number}.xml", None, size, 0)  # (CRC never reached)
        start = out.tell()
        for name, offset, compressed, size, crc, _ in entries:
            encoded = name.encode()
            out.write(
                struct.pack(
                    "<IHHHHHHIIIHHHHHII",
                    0x02014B50,
                    20,
                    20,
                    0,
                    8,
                    0,
                    0,
                    crc,
                    compressed,
                    size,
                    len(encoded),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
                + encoded
            )
        directory = out.tell() - start
        out.write(
            struct.pack(
                "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), directory, start, 0
            )
        )
    with zipfile.ZipFile(path) as check:  # a well-formed zip, as far as its directory goes
        assert len(check.infolist()) == len(entries)
    return total
