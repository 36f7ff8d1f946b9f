"""Reading a PDF back in tests: the text its pages show (decoded through each font's ToUnicode map), its
objects and fonts, its page count. Enough for the PDFs reportlab writes here (receipts), no PDF library."""

from __future__ import annotations

import base64
import re
import zlib

_STREAM = re.compile(rb"<<(?P<dict>(?:(?!>>\s*stream).)*?)>>\s*stream\r?\n(?P<data>.*?)endstream", re.S)
_TOKEN = re.compile(rb"/(?P<font>[^\s/\[\]()<>]+)\s+[\d.]+\s+Tf|\((?P<str>(?:\\.|[^\\)])*)\)", re.S)
_OBJECT = re.compile(rb"(?<![\d])(\d+) 0 obj\b(?P<body>.*?)\bendobj", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}


def _unescape(raw: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(raw):
        c = raw[i:i + 1]
        if c != b"\\":
            out += c
            i += 1
            continue
        octal = re.match(rb"[0-7]{1,3}", raw[i + 1:i + 4])
        if octal:
            out.append(int(octal.group(), 8) & 0xFF)
            i += 1 + len(octal.group())
        else:
            out += _ESCAPES.get(raw[i + 1:i + 2], b"")
            i += 2
    return bytes(out)


def _decode_stream(header: bytes, data: bytes) -> bytes:
    if b"/ASCII85Decode" in header:
        data = base64.a85decode(data.strip().removesuffix(b"~>"))
    if b"/FlateDecode" in header:
        data = zlib.decompress(data)
    return data


def pdf_objects(pdf: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m["body"] for m in _OBJECT.finditer(pdf)}


def _stream(body: bytes) -> bytes:
    m = _STREAM.search(body)
    return _decode_stream(m["dict"], m["data"])


def pdf_fonts(pdf: bytes) -> dict[bytes, bytes]:
    """Font resource name (F1+0) -> the font object's dictionary."""
    return {m.group(1): body for body in pdf_objects(pdf).values()
            if is_font(body) and (m := re.search(rb"/Name /([^\s/>]+)", body))}


def is_font(body: bytes) -> bool:
    return re.search(rb"/Type /Font[\s/>]", body) is not None  # not a /FontDescriptor


def _unicode_map(pdf: bytes, objects: dict[int, bytes], font: bytes) -> dict[int, str]:
    ref = re.search(rb"/ToUnicode (\d+) 0 R", font)
    assert ref, f"font without a ToUnicode map: {font[:120]!r}"
    cmap = _stream(objects[int(ref.group(1))])
    pairs = re.findall(rb"<([0-9A-Fa-f]{2})> <([0-9A-Fa-f]{4})>", cmap)
    return {int(code, 16): chr(int(uni, 16)) for code, uni in pairs if int(uni, 16)}


def pdf_text(pdf: bytes) -> str:
    """The text shown by the PDF's pages, in drawing order, whitespace removed:
    every string decoded through its font's ToUnicode map."""
    objects = pdf_objects(pdf)
    maps = {name: _unicode_map(pdf, objects, font) for name, font in pdf_fonts(pdf).items()}
    assert maps, "no font in the PDF"
    pieces, font = [], None
    pages = [int(n) for n in re.findall(rb"(\d+) 0 R", re.search(rb"/Kids \[([^\]]*)\]", pdf).group(1))]
    for page in pages:
        content = _stream(objects[int(re.search(rb"/Contents (\d+) 0 R", objects[page]).group(1))])
        for token in _TOKEN.finditer(content):
            if token["font"]:
                font = token["font"]
                continue
            pieces.append("".join(maps[font].get(b, "") for b in _unescape(token["str"])))
    return "".join("".join(pieces).split())


def page_count(pdf: bytes) -> int:
    return int(re.search(rb"/Count (\d+) /Kids", pdf).group(1))
