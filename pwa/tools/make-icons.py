"""Regenerates the PWA icons (run: .venv/bin/python pwa/tools/make-icons.py).

An espresso tile with a cream stamp card, 7 of 10 stamps filled.
"""
from pathlib import Path

from PIL import Image, ImageDraw

BROWN = (91, 58, 41, 255)
CREAM = (251, 246, 239, 255)
CARAMEL = (200, 121, 59, 255)
RING = (214, 196, 178, 255)
OUT = str(Path(__file__).resolve().parent.parent / "assets" / "icons") + "/"

def draw_icon(size, *, rounded, content_scale):
    s = size * 4
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if rounded:
        d.rounded_rectangle([0, 0, s - 1, s - 1], radius=int(s * 0.22), fill=BROWN)
    else:
        d.rectangle([0, 0, s, s], fill=BROWN)
    # the card
    cw = s * 0.78 * content_scale
    ch = cw * 0.62
    x0 = (s - cw) / 2
    y0 = (s - ch) / 2
    d.rounded_rectangle([x0, y0, x0 + cw, y0 + ch], radius=int(cw * 0.1), fill=CREAM)
    # 2 rows x 5 stamps
    pad = cw * 0.09
    gap = (cw - 2 * pad) / 5
    r = gap * 0.36
    for row in range(2):
        for col in range(5):
            i = row * 5 + col
            cx = x0 + pad + gap * (col + 0.5)
            cy = y0 + ch * (0.33 if row == 0 else 0.67)
            if i < 7:
                d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=CARAMEL)
            else:
                w = max(2, int(r * 0.28))
                d.ellipse([cx - r, cy - r, cx + r, cy + r], outline=RING, width=w)
    return img.resize((size, size), Image.LANCZOS)

draw_icon(192, rounded=True, content_scale=1.0).save(OUT + "icon-192.png", optimize=True)
# the header's brand (32 CSS px, sharp at 2x): the one icon every member's phone precaches
draw_icon(64, rounded=True, content_scale=1.0).save(OUT + "icon-64.png", optimize=True)
draw_icon(512, rounded=True, content_scale=1.0).save(OUT + "icon-512.png", optimize=True)
# maskable: full bleed, content kept inside the 80% safe zone
draw_icon(512, rounded=False, content_scale=0.78).save(OUT + "maskable-512.png", optimize=True)
# iOS rounds corners itself and dislikes transparency
draw_icon(180, rounded=False, content_scale=0.95).convert("RGB").save(OUT + "apple-touch-icon.png", optimize=True)
print("done")
