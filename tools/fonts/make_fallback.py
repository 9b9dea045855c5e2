#!/usr/bin/env python3
"""Remake the bundled fallback fonts for rare name characters (docs/fonts.md).

The Noto Sans SC slices of @fontsource cover about 15,500 characters: common Chinese, but not
the rarer half of the URO block, CJK Ext-A or Ext-B, where some students' names live (䶮, 𠮷).
This script cuts two sets of WOFF2 slices from Debian's font packages:

* assets/fonts/noto-sans-sc-rare/: every ideograph of Noto Sans CJK SC (fonts-noto-cjk, the same
  design as Noto Sans SC) that the @fontsource slices lack, declared as more faces of the family
  'Noto Sans SC', so a rare name looks like its neighbours.
* assets/fonts/hanamin-b/: the rest of CJK Ext-B from HanaMinB (fonts-hanazono), as family
  'HanaMinB', second in the stack: a Ming-style glyph rather than a box.

Each set is split by unicode-range into slices of SLICE code points, so the webview downloads
only the slices a screen shows. Usage (needs `pip install fonttools brotli` and apt-get):

    python3 tools/fonts/make_fallback.py            # downloads the two .deb files into a temp dir
    python3 tools/fonts/make_fallback.py --debs DIR  # uses fonts-noto-cjk_*.deb, fonts-hanazono_*.deb in DIR
"""

import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import tempfile

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FONTS = os.path.join(ROOT, "assets", "fonts")
BASE_CSS = os.path.join(FONTS, "noto-sans-sc", "noto-sans-sc.css")
SLICE = 400

# Blocks of CJK ideographs: URO, Ext-A, compatibility, Ext-B and the later supplementary ones.
IDEOGRAPHS = [(0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x323AF)]
EXT_B = (0x20000, 0x2A6DF)


def covered_by_css(path):
    """Code points of every unicode-range in a CSS file."""
    cps = set()
    with open(path, encoding="utf-8") as f:
        css = f.read()
    for decl in re.findall(r"unicode-range:([^;]+);", css):
        for lo, hi in re.findall(r"U\+([0-9a-fA-F]+)(?:-([0-9a-fA-F]+))?", decl):
            cps.update(range(int(lo, 16), int(hi or lo, 16) + 1))
    return cps


def ranges(cps):
    """Sorted code points as CSS unicode-range text."""
    out, start, prev = [], None, None
    for c in sorted(cps):
        if start is not None and c == prev + 1:
            prev = c
            continue
        if start is not None:
            out.append(f"U+{start:x}" if start == prev else f"U+{start:x}-{prev:x}")
        start = prev = c
    if start is not None:
        out.append(f"U+{start:x}" if start == prev else f"U+{start:x}-{prev:x}")
    return ",".join(out)


def subset_options(woff2):
    opts = subset.Options()
    opts.flavor = "woff2" if woff2 else None
    opts.hinting = False
    opts.desubroutinize = True
    opts.layout_features = []
    opts.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    return opts


def cut(path, index, cps, out, woff2):
    """Writes the subset of font `path` (collection member `index`) holding `cps` to `out`."""
    font = TTFont(path, fontNumber=index)
    sub = subset.Subsetter(subset_options(woff2))
    sub.populate(unicodes=cps)
    sub.subset(font)
    font.flavor = "woff2" if woff2 else None
    font.save(out)


def write_slices(path, index, cps, out_dir, family, weights, stem, header, tmp):
    """Cuts font `path` to `cps` in slices, writes them and their CSS; returns total bytes."""
    for old in glob.glob(os.path.join(out_dir, "*.woff2")):
        os.remove(old)
    os.makedirs(out_dir, exist_ok=True)
    # One pass over the big font, then the slices from the small intermediate (fast).
    whole = os.path.join(tmp, f"{stem}.ttf")
    cut(path, index, cps, whole, woff2=False)
    cps = sorted(cps)
    faces, total = [header], 0
    for i in range(0, len(cps), SLICE):
        part = cps[i : i + SLICE]
        name = f"{stem}-{i // SLICE}.woff2"
        cut(whole, -1, part, os.path.join(out_dir, name), woff2=True)
        total += os.path.getsize(os.path.join(out_dir, name))
        faces.extend(
            "@font-face {\n"
            f"  font-family: '{family}';\n"
            "  font-style: normal;\n"
            "  font-display: swap;\n"
            f"  font-weight: {weight};\n"
            f"  src: url(./{name}) format('woff2');\n"
            f"  unicode-range: {ranges(part)};\n"
            "}\n"
            for weight in weights
        )
    with open(os.path.join(out_dir, f"{stem}.css"), "w", encoding="utf-8") as f:
        f.write("\n".join(faces))
    return total


def fetch_debs(tmp):
    subprocess.run(["apt-get", "download", "fonts-noto-cjk", "fonts-hanazono"], cwd=tmp, check=True)
    return tmp


def extract(deb_dir, pattern, member, tmp):
    debs = sorted(glob.glob(os.path.join(deb_dir, pattern)))
    if not debs:
        sys.exit(f"no {pattern} in {deb_dir}")
    dest = os.path.join(tmp, "x")
    subprocess.run(["dpkg-deb", "-x", debs[-1], dest], check=True)
    return os.path.join(dest, member), os.path.basename(debs[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--debs", help="folder holding fonts-noto-cjk_*.deb and fonts-hanazono_*.deb")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="xd-fonts-")
    try:
        deb_dir = args.debs or fetch_debs(tmp)
        ttc, noto_deb = extract(
            deb_dir, "fonts-noto-cjk_*.deb", "usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", tmp
        )
        hana, hana_deb = extract(
            deb_dir, "fonts-hanazono_*.deb", "usr/share/fonts/truetype/hanazono/HanaMinB.ttf", tmp
        )
        index = next(
            i
            for i, f in enumerate(TTCollection(ttc, lazy=True).fonts)
            if f["name"].getDebugName(1) == "Noto Sans CJK SC"
        )
        noto = TTFont(ttc, fontNumber=index, lazy=True)
        have = covered_by_css(BASE_CSS)
        in_blocks = lambda c: any(lo <= c <= hi for lo, hi in IDEOGRAPHS)
        rare = {c for c in noto.getBestCmap() if in_blocks(c) and c not in have}
        size_rare = write_slices(
            ttc,
            index,
            rare,
            os.path.join(FONTS, "noto-sans-sc-rare"),
            "Noto Sans SC",
            # One face per weight the UI uses (not a range, which would capture 600 alone), so bold
            # text with a rare character still finds it, and 600 still resolves to the 700 slices.
            (400, 700),
            "noto-sans-sc-rare",
            f"/* Generated by tools/fonts/make_fallback.py from {noto_deb} (Noto Sans CJK SC, SIL OFL 1.1):\n"
            "   the ideographs the @fontsource slices of Noto Sans SC lack. Do not edit; rerun the script. */\n",
            tmp,
        )
        hanamin = TTFont(hana, lazy=True)
        rest = {
            c for c in hanamin.getBestCmap() if EXT_B[0] <= c <= EXT_B[1] and c not in have and c not in rare
        }
        size_b = write_slices(
            hana,
            -1,
            rest,
            os.path.join(FONTS, "hanamin-b"),
            "HanaMinB",
            (400,),
            "hanamin-b",
            f"/* Generated by tools/fonts/make_fallback.py from {hana_deb} (HanaMinB, SIL OFL 1.1):\n"
            "   CJK Ext-B characters Noto Sans CJK SC lacks. Do not edit; rerun the script. */\n",
            tmp,
        )
        # Each set carries its package's copyright file (both fonts are under the SIL OFL 1.1).
        for pkg, out in (("fonts-noto-cjk", "noto-sans-sc-rare"), ("fonts-hanazono", "hanamin-b")):
            shutil.copyfile(
                os.path.join(tmp, "x", "usr", "share", "doc", pkg, "copyright"),
                os.path.join(FONTS, out, "COPYRIGHT.txt"),
            )
        print(f"noto-sans-sc-rare: {len(rare)} characters, {size_rare} bytes")
        print(f"hanamin-b: {len(rest)} characters, {size_b} bytes")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
