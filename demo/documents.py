"""Stand-ins for the files of the demo's acknowledgements: a drawn signature, a scanned sheet.

Made with Pillow on first use, so the repository holds no binary; each is a real PNG or PDF that
the acknowledgement pages show or offer for download like any other.
"""

import functools
import io

from PIL import Image, ImageDraw

VERBAL_NOTE = "Read aloud together at the session; the client agreed to each item and asked for a copy."


def _signature() -> Image.Image:
    image = Image.new("RGBA", (360, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(20, 80), (60, 30), (90, 90), (130, 40), (170, 85), (210, 35), (250, 80), (300, 60), (340, 70)]
    draw.line(points, fill=(17, 17, 17, 255), width=4, joint="curve")
    return image


@functools.cache
def documents() -> dict[str, tuple[str, bytes]]:
    """The (content type, bytes) of the file of an acknowledgement, by its method."""
    png = io.BytesIO()
    _signature().save(png, format="PNG")
    sheet = Image.new("RGB", (595, 842), "white")
    draw = ImageDraw.Draw(sheet)
    draw.text((60, 60), "Boundary agreement (scan, demo data)", fill="black")
    draw.line([(60, 700), (300, 700)], fill="black", width=2)
    sheet.paste(_signature().convert("RGB"), (60, 590), _signature())
    pdf = io.BytesIO()
    sheet.save(pdf, format="PDF")
    return {"on_screen": ("image/png", png.getvalue()), "paper": ("application/pdf", pdf.getvalue())}
