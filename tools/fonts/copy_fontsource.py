#!/usr/bin/env python3
"""Copy one weight of Noto Sans SC from the npm package @fontsource/noto-sans-sc into
assets/fonts/noto-sans-sc/ (docs/fonts.md): its WOFF2 slices and their @font-face rules, the
Cyrillic and Vietnamese slices left out. Run `npm --prefix ui install` first.

    python3 tools/fonts/copy_fontsource.py 700
"""

import os
import re
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PKG = os.path.join(ROOT, "ui", "node_modules", "@fontsource", "noto-sans-sc")
OUT = os.path.join(ROOT, "assets", "fonts", "noto-sans-sc")
SKIP = ("cyrillic", "vietnamese")


def main():
    weight = sys.argv[1] if len(sys.argv) > 1 else "700"
    with open(os.path.join(PKG, f"{weight}.css"), encoding="utf-8") as f:
        css = f.read()
    version = re.search(r'"version":\s*"([^"]+)"', open(os.path.join(PKG, "package.json")).read())[1]
    faces = [
        f"/* Noto Sans SC, weight {weight}, from the npm package @fontsource/noto-sans-sc {version} "
        "(SIL OFL 1.1, see OFL.txt).\n"
        "   Copied by tools/fonts/copy_fontsource.py; split by unicode-range like the 400 weight. */\n"
    ]
    for block in re.findall(r"@font-face \{.*?\n\}", css, re.S):
        name = re.search(r"url\(\./files/([^)]+\.woff2)\)", block)[1]
        if any(s in name for s in SKIP):
            continue
        shutil.copyfile(os.path.join(PKG, "files", name), os.path.join(OUT, name))
        block = re.sub(r"src: [^;]+;", f"src: url(./{name}) format('woff2');", block)
        faces.append(block + "\n")
    # The 400 weight keeps its first name, noto-sans-sc.css.
    css_name = "noto-sans-sc.css" if weight == "400" else f"noto-sans-sc-{weight}.css"
    with open(os.path.join(OUT, css_name), "w", encoding="utf-8") as f:
        f.write("\n".join(faces))
    print(f"{len(faces) - 1} slices of weight {weight}")


if __name__ == "__main__":
    main()
