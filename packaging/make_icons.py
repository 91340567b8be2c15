"""Draw the app icon: an SVG (full detail and a simplified one for tiny sizes) and PNGs.

The icon is a small latent map: clusters of coloured dots on the map's dark background, and the
yellow probe crosshair of the window hovering over empty space between them, which is what the
app is for (decoding wherever you point). Run from the repository root::

    python packaging/make_icons.py            # writes resources/icons/
    python packaging/make_icons.py --check    # exits 1 if the committed files are out of date

The PNGs are rendered by Qt's SVG renderer (PySide6 is a dependency of the app anyway), so the
only source of truth is the geometry below.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

ICON_NAME = "io.github.latent_explorer"
SIZES = (16, 32, 48, 64, 128, 256, 512)
SMALL_MAX = 32
"""Sizes up to this are rendered from the simplified drawing (fewer, larger dots)."""

ICONS_DIR = Path(__file__).resolve().parents[1] / "resources" / "icons"

# The map palette of the window (latent_explorer/qt/palette.py), so the icon looks like the app.
BACKGROUND_TOP = "#262b38"
BACKGROUND_BOTTOM = "#16181d"
PROBE = "#f9e04b"
CLUSTERS = (
    # centre x, centre y, spread, colour, dots
    (78.0, 82.0, 34.0, "#4cc9f0", 9),
    (182.0, 74.0, 30.0, "#f8961e", 8),
    (70.0, 182.0, 30.0, "#90be6d", 8),
    (180.0, 184.0, 32.0, "#ef476f", 9),
)
SMALL_DOTS = (
    (64.0, 64.0, 30.0, "#4cc9f0"),
    (192.0, 64.0, 27.0, "#f8961e"),
    (64.0, 192.0, 27.0, "#90be6d"),
    (192.0, 192.0, 29.0, "#ef476f"),
)
PROBE_CENTRE = (128.0, 128.0)


def _cluster_dots(cx: float, cy: float, spread: float, n: int) -> list[tuple[float, float, float]]:
    """Dots on a golden-angle spiral: evenly filled, deterministic, no random numbers."""
    golden = math.pi * (3.0 - math.sqrt(5.0))
    dots = []
    for i in range(n):
        r = spread * math.sqrt((i + 0.5) / n)
        a = i * golden + cx * 0.01
        # Inner dots a little larger, like a density peak.
        size = 10.5 - 3.0 * (i / max(n - 1, 1))
        dots.append((cx + r * math.cos(a), cy + r * math.sin(a), size))
    return dots


def _probe(stroke: float, radius: float, tick: float) -> str:
    x, y = PROBE_CENTRE
    gap = radius + stroke * 0.2
    ticks = " ".join(
        f"M{x + dx * gap:.1f},{y + dy * gap:.1f} L{x + dx * (gap + tick):.1f},"
        f"{y + dy * (gap + tick):.1f}"
        for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1))
    )
    return (
        f'  <g fill="none" stroke="{PROBE}" stroke-width="{stroke:g}" stroke-linecap="round">\n'
        f'    <circle cx="{x:g}" cy="{y:g}" r="{radius:g}"/>\n'
        f'    <path d="{ticks}"/>\n'
        f"  </g>\n"
        f'  <circle cx="{x:g}" cy="{y:g}" r="{stroke * 0.55:.1f}" fill="{PROBE}"/>\n'
    )


def icon_svg(small: bool = False) -> str:
    """The icon as SVG text on a 256 x 256 canvas; ``small`` drops detail for 16-32 px."""
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" '
        'viewBox="0 0 256 256">\n',
        "  <title>Latent Explorer</title>\n",
        "  <defs>\n",
        '    <linearGradient id="bg" x1="0" y1="0" x2="0" y2="1">\n',
        f'      <stop offset="0" stop-color="{BACKGROUND_TOP}"/>\n',
        f'      <stop offset="1" stop-color="{BACKGROUND_BOTTOM}"/>\n',
        "    </linearGradient>\n",
        "  </defs>\n",
        f'  <rect x="8" y="8" width="240" height="240" rx="{40 if small else 52}" '
        'fill="url(#bg)"/>\n',
    ]
    if small:
        for cx, cy, r, color in SMALL_DOTS:
            parts.append(f'  <circle cx="{cx:g}" cy="{cy:g}" r="{r:g}" fill="{color}"/>\n')
        parts.append(_probe(stroke=16, radius=28, tick=14))
    else:
        # A faint rim so the icon keeps its shape on a dark panel.
        parts.append('  <rect x="9" y="9" width="238" height="238" rx="51" fill="none" '
                     'stroke="#ffffff" stroke-opacity="0.08" stroke-width="2"/>\n')
        for cx, cy, spread, color, n in CLUSTERS:
            parts.append(f'  <g fill="{color}">\n')
            for x, y, r in _cluster_dots(cx, cy, spread, n):
                parts.append(f'    <circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"/>\n')
            parts.append("  </g>\n")
        parts.append(_probe(stroke=8, radius=24, tick=14))
    parts.append("</svg>\n")
    return "".join(parts)


def render_png(svg: str, size: int) -> bytes:
    """Render ``svg`` to PNG bytes of ``size`` x ``size`` pixels with Qt's SVG renderer."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    if QGuiApplication.instance() is None:
        # Kept alive on the function so Qt's font and image machinery stay initialised.
        render_png.app = QGuiApplication(["make_icons", "-platform", "offscreen"])  # type: ignore[attr-defined]
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


def expected_files() -> dict[str, bytes]:
    """Every file of ``resources/icons/`` by relative name, with its content."""
    full, small = icon_svg(), icon_svg(small=True)
    files = {f"{ICON_NAME}.svg": full.encode(), f"{ICON_NAME}-small.svg": small.encode()}
    for size in SIZES:
        svg = small if size <= SMALL_MAX else full
        files[f"hicolor/{size}x{size}/apps/{ICON_NAME}.png"] = render_png(svg, size)
    return files


def main(argv: list[str] | None = None) -> int:
    """Write (or with ``--check`` compare) the icon files."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=ICONS_DIR, help="folder to write into")
    parser.add_argument("--check", action="store_true",
                        help="compare the SVGs with the committed ones instead of writing")
    args = parser.parse_args(argv)
    files = expected_files()
    if args.check:
        # PNG bytes can differ between Qt releases; the SVGs are the source and must match.
        stale = [name for name, data in files.items() if name.endswith(".svg")
                 and (not (args.out / name).is_file() or (args.out / name).read_bytes() != data)]
        for name in stale:
            print(f"out of date: {args.out / name}", file=sys.stderr)
        return 1 if stale else 0
    for name, data in files.items():
        path = args.out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
