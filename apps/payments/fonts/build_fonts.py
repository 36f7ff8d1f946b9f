"""Rebuild the receipt fonts in this folder (not run by the app or the tests).

Source: Noto Sans SC 2.004 (SIL Open Font License 1.1, see OFL.txt), the
TrueType-outline static instances Google Fonts serves, as packaged on the npm
registry in @expo-google-fonts/noto-sans-sc 0.4.3:

    npm pack @expo-google-fonts/noto-sans-sc@0.4.3 && tar xzf expo-google-fonts-noto-sans-sc-0.4.3.tgz
    pip install fonttools==4.55.3
    python apps/payments/fonts/build_fonts.py package/

- NotoSansSC-Regular.subset.ttf: every character of GBK (21,003 hanzi and its
  symbols: what a Chinese PC types, so name characters outside GB2312 such as
  喆, 堃, 玥 and 赟 print) plus ASCII, Latin-1, general and CJK punctuation,
  fullwidth forms, letterlike and enclosed numbers; no hinting, no layout
  tables (sha256 8e5aed13…).
- NotoSansSC-Bold.latin.ttf: ASCII and Latin-1 of the Bold weight (the
  amount in figures, ¥1,234.56; sha256 925485c0…).

reportlab embeds only the glyphs a receipt uses (apps/payments/receipts.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset

HERE = Path(__file__).resolve().parent
RANGES = [(0x20, 0x7E), (0xA0, 0xFF), (0x2000, 0x206F), (0x2100, 0x214F), (0x2160, 0x2188), (0x2460, 0x24FF),
          (0x25A0, 0x25FF), (0x3000, 0x303F), (0xFF00, 0xFFEF)]
LATIN = [(0x20, 0x7E), (0xA0, 0xFF)]


def gbk() -> set[str]:
    chars = set()
    for hi in range(0x81, 0xFF):
        for lo in range(0x40, 0xFF):
            try:
                text = bytes([hi, lo]).decode("gbk")
            except UnicodeDecodeError:
                continue
            if len(text) == 1:
                chars.add(text)
    return chars


def chars_in(ranges) -> set[str]:
    return {chr(i) for a, b in ranges for i in range(a, b + 1)}


def build(source: Path, target: Path, text: set[str]) -> None:
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.drop_tables += ["BASE", "STAT", "vhea", "vmtx", "GDEF", "GPOS", "GSUB"]
    options.name_IDs = ["*"]  # keep the copyright, licence and trademark notices
    options.name_languages = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(text)))
    subsetter.subset(font)
    subset.save_font(font, str(target), options)


if __name__ == "__main__":
    package = Path(sys.argv[1])
    build(package / "400Regular" / "NotoSansSC_400Regular.ttf", HERE / "NotoSansSC-Regular.subset.ttf",
          gbk() | chars_in(RANGES))
    build(package / "700Bold" / "NotoSansSC_700Bold.ttf", HERE / "NotoSansSC-Bold.latin.ttf", chars_in(LATIN))
