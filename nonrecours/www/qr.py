"""QR codes drawn as inline SVG (segno: pure Python, no Pillow; ADR 011 and
015): one way for the second factor's set-up and the barometer's posters."""

import segno

QR_DARK = "#161616"


def qr_matrix(data: str) -> tuple[tuple[int, ...], ...]:
    """The modules (1 dark, 0 light) of the QR code that qr_svg draws for
    ``data``, without the quiet zone: what a reader decodes."""
    return tuple(tuple(row) for row in segno.make(data, error="m").matrix)


def qr_svg(data: str, *, title: str, scale: int = 5, fluid: bool = False) -> str:
    """``data`` as a QR code (error correction M, 15 % of the modules may be
    lost: a poster folded or scratched still reads), inline SVG for a page:
    ``role="img"``, its accessible name ``title`` (its ``<title>``), a
    quiet zone of 4 modules as the standard asks, ``scale`` pixels a module
    — or, ``fluid``, no size but a viewBox, for a style sheet to size it
    (the printed poster)."""
    svg = segno.make(data, error="m").svg_inline(
        scale=scale, border=4, dark=QR_DARK, light="#ffffff", title=title, omitsize=fluid
    )
    return svg.replace("<svg ", '<svg role="img" focusable="false" ', 1)
