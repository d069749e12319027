#!/usr/bin/env python3
"""Reference CDs for the capture tests (tests/cli/cdrip.sh), written as
cue sheets over BIN files by this script alone, not by glassmaster:

  audio4   4 audio tracks: pregaps (INDEX 00), an INDEX 02, pre-emphasis
           on track 3, an ISRC per track, an MCN, CD-TEXT in three blocks
           (English and German in ISO 8859-1, Japanese in MS-JIS with TABs
           repeating the previous track) in a CDTEXTFILE
  htoa     hidden track one audio: track 1's INDEX 00 is 5 s long, not
           silent
  extra    CD-Extra: an audio session, then a data session (Mode 1)
  mixed    mixed mode: a Mode 1 data track 1, then two audio tracks
  data     one Mode 1 data track

Usage: cdrefs.py DIR [SEED].  The audio is seeded noise (never silent),
the data track random user data stored as MODE1/2048 so that the
sectors' headers, EDC and ECC are made for their LBA by the reader.
"""
import os
import random
import sys

SECTOR = 2352


def noise(rng, sectors):
    return bytes(rng.getrandbits(8) for _ in range(sectors * SECTOR))


def msf(lba):
    return "%02d:%02d:%02d" % (lba // 4500, lba // 75 % 60, lba % 75)


def crc16(data):
    """CD-TEXT's and Q's CRC: CCITT (x^16 + x^12 + x^5 + 1), from 0,
    inverted."""
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc ^ 0xFFFF


def cdtext_block(block, lang, titles, performers, charset=0x00):
    """The packs of one block: titles (0x80), performers (0x81), size
    information (0x8f); sequence numbers are filled in by the caller.  An
    MS-JIS block (charset 0x80) is double-byte: its text in CP932, each
    string ended by two NULs, a TAB of two bytes repeating the previous."""
    dbcs = charset == 0x80
    packs = []
    for kind, strings in ((0x80, titles), (0x81, performers)):
        text = b""
        starts = []
        for i, s in enumerate(strings):
            starts.append((len(text), i))
            if dbcs:
                text += (b"\t\t" if s == "\t" else s.encode("cp932")) + b"\0\0"
            else:
                text += s.encode("latin-1") + b"\0"
        for off in range(0, len(text), 12):
            # the track and position within its string of the first character
            track, pos = 0, 0
            for start, i in starts:
                if start <= off:
                    track, pos = i, (off - start) // (2 if dbcs else 1)
            chunk = text[off:off + 12].ljust(12, b"\0")
            packs.append([kind, track, 0, (0x80 if dbcs else 0) | (block << 4) | min(pos, 15),
                          chunk])
    counts = [0] * 16
    for p in packs:
        counts[p[0] - 0x80] += 1
    counts[0x0F] = 3
    info = bytes([charset, 1, len(titles) - 1, 0]) + bytes(counts)
    return packs, info, lang


def cdtext(blocks):
    """All blocks' packs, with sequence numbers, size information naming
    every block's last sequence number and language, and CRCs."""
    out, seq, lasts, langs, built = [], 0, [0] * 8, [0] * 8, []
    for b, (packs, info, lang) in enumerate(blocks):
        built.append((packs, info))
        n = len(packs) + 3
        lasts[b] = seq + n - 1
        langs[b] = lang
        seq += n
    seq = 0
    for b, (packs, info) in enumerate(built):
        size = info + bytes(lasts) + bytes(langs)
        for p in packs:
            p[2] = seq
            seq += 1
        for k in range(3):
            packs.append([0x8F, k, seq, b << 4, size[k * 12:(k + 1) * 12]])
            seq += 1
        for p in packs:
            head = bytes(p[:4]) + p[4]
            c = crc16(head)
            out.append(head + bytes([c >> 8, c & 0xFF]))
    return b"".join(out)


def main():
    out = sys.argv[1]
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 14)
    os.makedirs(out, exist_ok=True)

    # audio4: 300 + 320 + 280 + 260 sectors; pregaps of 150 (track 2) and
    # 75 (track 4) sectors stored in the file; track 3 has INDEX 02
    lens = [300, 320, 280, 260]
    with open(os.path.join(out, "audio4.bin"), "wb") as f:
        f.write(noise(rng, sum(lens)))
    t2, t3, t4 = lens[0], lens[0] + lens[1], lens[0] + lens[1] + lens[2]
    blocks = [
        cdtext_block(0, 0x09, ["Reference Disc", "One", "Two", "Three", "Four"],
                     ["Glassmaster", "A", "B", "C", "D"]),
        cdtext_block(1, 0x08, ["Referenzscheibe", "Eins", "Zwei", "Drei", "Vier"],
                     ["Glasmeister", "\xc4", "\xd6", "\xdc", "\xdf"]),
        cdtext_block(2, 0x69, ["\u53c2\u7167\u30c7\u30a3\u30b9\u30af", "\u4e00",
                               "\u4e8c", "\u4e09", "\u56db"],
                     ["\u30ac\u30e9\u30b9", "\u6b4c\u624b", "\t", "\u540c\u3058",
                      "\t"], 0x80),
    ]
    with open(os.path.join(out, "audio4.cdt"), "wb") as f:
        f.write(cdtext(blocks))
    with open(os.path.join(out, "audio4.cue"), "w") as f:
        f.write('CATALOG 0123456789012\nCDTEXTFILE "audio4.cdt"\n'
                'FILE "audio4.bin" BINARY\n'
                '  TRACK 01 AUDIO\n    ISRC GBGMA2600001\n    INDEX 01 00:00:00\n'
                '  TRACK 02 AUDIO\n    ISRC GBGMA2600002\n'
                '    INDEX 00 %s\n    INDEX 01 %s\n'
                '  TRACK 03 AUDIO\n    FLAGS PRE\n    ISRC GBGMA2600003\n'
                '    INDEX 01 %s\n    INDEX 02 %s\n'
                '  TRACK 04 AUDIO\n    ISRC GBGMA2600004\n'
                '    INDEX 00 %s\n    INDEX 01 %s\n'
                % (msf(t2), msf(t2 + 150), msf(t3), msf(t3 + 100), msf(t4),
                   msf(t4 + 75)))

    # htoa: track 1 from INDEX 00 at 0, INDEX 01 5 s later; 2 tracks
    with open(os.path.join(out, "htoa.bin"), "wb") as f:
        f.write(noise(rng, 700))
    with open(os.path.join(out, "htoa.cue"), "w") as f:
        f.write('FILE "htoa.bin" BINARY\n  TRACK 01 AUDIO\n    INDEX 00 00:00:00\n'
                '    INDEX 01 00:05:00\n  TRACK 02 AUDIO\n    INDEX 01 %s\n'
                % msf(450))

    # a data track's user data
    with open(os.path.join(out, "data.iso"), "wb") as f:
        f.write(bytes(rng.getrandbits(8) for _ in range(400 * 2048)))
    with open(os.path.join(out, "data.cue"), "w") as f:
        f.write('FILE "data.iso" BINARY\n  TRACK 01 MODE1/2048\n    INDEX 01 00:00:00\n')

    # extra: two audio tracks, then the data session
    with open(os.path.join(out, "extra.bin"), "wb") as f:
        f.write(noise(rng, 500))
    with open(os.path.join(out, "extra.cue"), "w") as f:
        f.write('REM SESSION 01\nFILE "extra.bin" BINARY\n'
                '  TRACK 01 AUDIO\n    INDEX 01 00:00:00\n'
                '  TRACK 02 AUDIO\n    INDEX 00 %s\n    INDEX 01 %s\n'
                'REM SESSION 02\nFILE "data.iso" BINARY\n'
                '  TRACK 03 MODE1/2048\n    INDEX 00 00:00:00\n    INDEX 01 00:02:00\n'
                % (msf(250), msf(300)))

    # mixed: data track 1, audio tracks 2 and 3 (track 2's pregap stored)
    with open(os.path.join(out, "mixed.bin"), "wb") as f:
        f.write(noise(rng, 600))
    with open(os.path.join(out, "mixed.cue"), "w") as f:
        f.write('FILE "data.iso" BINARY\n  TRACK 01 MODE1/2048\n    INDEX 01 00:00:00\n'
                'FILE "mixed.bin" BINARY\n  TRACK 02 AUDIO\n    INDEX 00 00:00:00\n'
                '    INDEX 01 00:02:00\n  TRACK 03 AUDIO\n    INDEX 01 %s\n' % msf(350))


if __name__ == "__main__":
    main()
