"""The seal of an sgdsmooth result file (data/file_seal.hpp), written a second time, independently:
tests use it to make files as a future or a tampering program would, sealed again after a change.

The first 512 bytes (HDF5's user block) hold, NUL-padded:
    sgdsmooth-seal 1\\nkind KIND\\nbytes N\\ncrc32 XXXXXXXX\\n
where N is the file's length and XXXXXXXX the zlib CRC-32 (8 lowercase hex digits) of the whole
file with those 8 digits read as '0'. Usage: seal.py FILE [KIND] (KIND: keep the file's own).
"""
import sys
import zlib

BLOCK = 512


def kind_of(data: bytes) -> str:
    for line in data[:BLOCK].split(b"\0", 1)[0].decode().splitlines():
        if line.startswith("kind "):
            return line[5:]
    return "run"


def seal(path: str, kind: str = "") -> None:
    with open(path, "rb") as f:
        data = bytearray(f.read())
    kind = kind or kind_of(bytes(data))
    text = f"sgdsmooth-seal 1\nkind {kind}\nbytes {len(data)}\ncrc32 00000000\n".encode()
    data[:BLOCK] = text + b"\0" * (BLOCK - len(text))
    crc = zlib.crc32(bytes(data)) & 0xFFFFFFFF
    text = f"sgdsmooth-seal 1\nkind {kind}\nbytes {len(data)}\ncrc32 {crc:08x}\n".encode()
    data[:BLOCK] = text + b"\0" * (BLOCK - len(text))
    with open(path, "wb") as f:
        f.write(data)


if __name__ == "__main__":
    seal(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "")
