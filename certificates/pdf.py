"""The certificate PDF: A4 landscape, drawn directly with ReportLab (no HTML engine), from the
content frozen at issue, with a QR code pointing to the public verification page.

Rendering is a few milliseconds; the result is cached per certificate and content.
"""

from __future__ import annotations

import hashlib
import io
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import segno
from django.core.cache import cache
from PIL import Image
from reportlab import rl_config
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
INK = HexColor("#1d2b36")
ACCENT = HexColor("#7a1f5c")
MUTED = HexColor("#5b6670")
CACHE_SECONDS = 24 * 3600
# Binary streams as they are (ASCII85 is pure Python here and makes files bigger).
rl_config.useA85 = 0
# One QR mask: choosing the best of eight costs more than the whole page; any mask is valid.
QR_MASK = 4
IMAGE_MAX_PX = 600


@lru_cache(maxsize=1)
def register_fonts() -> None:
    # DejaVu covers every Latin name (ł, ş, ğ...), which the 14 standard PDF fonts do not.
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))


@lru_cache(maxsize=32)
def _jpeg(sha256: str) -> bytes | None:
    """The frozen image flattened on white and stored as JPEG, once per process: a JPEG goes
    into the PDF as it is, where a PNG with transparency is re-encoded on every render."""
    from .models import FrozenImage

    frozen = FrozenImage.objects.filter(sha256=sha256).only("data").first()
    if frozen is None:
        return None
    with Image.open(io.BytesIO(bytes(frozen.data))) as source:
        source.thumbnail((IMAGE_MAX_PX, IMAGE_MAX_PX))
        rgba = source.convert("RGBA")
    flat = Image.new("RGB", rgba.size, "white")
    flat.paste(rgba, mask=rgba.getchannel("A"))
    buffer = io.BytesIO()
    flat.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def _image(sha256: str) -> ImageReader | None:
    data = _jpeg(sha256)
    return ImageReader(io.BytesIO(data)) if data is not None else None


def _draw_qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    """The QR code as vector squares: crisp at any zoom, and no image to encode."""
    qr = segno.make(url, error="m", micro=False, mask=QR_MASK)
    matrix = qr.matrix
    modules = len(matrix)
    canvas.saveState()
    canvas.setFillColor(INK)
    # In module units (integers), horizontal runs merged: few and short path operators.
    canvas.translate(x, y)
    canvas.scale(size / modules, size / modules)
    path = canvas.beginPath()
    for row_number, row in enumerate(matrix):
        bottom = modules - row_number - 1
        start = None
        for col, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                path.rect(start, bottom, col - start, 1)
                start = None
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of at most `width`, broken at plain spaces only: a no-break space (French
    typography: « … », before : ; ? !) keeps its neighbours together."""
    lines = []
    for paragraph in text.splitlines() or [""]:
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}" if line else word
            if not line or pdfmetrics.stringWidth(candidate, font, size) <= width:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def _centred(canvas: Canvas, text: str, font: str, size: float, y: float, width: float) -> float:
    """Centre `text` wrapped to `width`; returns the y below it."""
    canvas.setFont(font, size)
    page_width = landscape(A4)[0]
    for line in _wrap(text, font, size, width):
        canvas.drawCentredString(page_width / 2, y, line)
        y -= size * 1.35
    return y


def render(content: dict[str, Any], verification_url: str) -> bytes:
    """The PDF of a certificate from its frozen content."""
    register_fonts()
    buffer = io.BytesIO()
    width, height = landscape(A4)
    canvas = Canvas(buffer, pagesize=(width, height), pageCompression=1)
    canvas.setTitle(f"{content.get('title', '')} — {content.get('serial', '')}")
    canvas.setAuthor(content.get("issuer", ""))
    canvas.setSubject(verification_url)
    canvas.setCreator("Maillage")

    margin = 36
    canvas.setStrokeColor(ACCENT)
    canvas.setLineWidth(3)
    canvas.rect(margin, margin, width - 2 * margin, height - 2 * margin)
    canvas.setLineWidth(0.8)
    canvas.rect(margin + 6, margin + 6, width - 2 * margin - 12, height - 2 * margin - 12)

    top = height - margin - 24
    logo = _image(content["logo"]) if content.get("logo") else None
    if logo is not None:
        canvas.drawImage(
            logo,
            margin + 24,
            top - 60,
            width=140,
            height=60,
            preserveAspectRatio=True,
            anchor="nw",
        )
    canvas.setFillColor(MUTED)
    canvas.setFont(REGULAR, 9)
    canvas.drawRightString(width - margin - 24, top - 10, content.get("issuer", ""))
    canvas.drawRightString(width - margin - 24, top - 24, "N° " + content.get("serial", ""))

    canvas.setFillColor(ACCENT)
    y = _centred(canvas, content.get("title", ""), BOLD, 30, height - 150, width - 220)
    canvas.setFillColor(INK)
    y = _centred(canvas, content.get("holder_name", ""), BOLD, 22, y - 18, width - 220)
    _centred(canvas, content.get("body", ""), REGULAR, 13, y - 14, width - 240)

    # Bottom left: QR code and how to verify.
    qr_size = 92
    bottom = margin + 30
    _draw_qr(canvas, verification_url, margin + 30, bottom, qr_size)
    canvas.setFillColor(MUTED)
    canvas.setFont(REGULAR, 8.5)
    text_x = margin + 30 + qr_size + 12
    lines = [
        content.get("issued_line", ""),
        content.get("validity_line", ""),
        content.get("verify_line", ""),
        verification_url,
    ]
    line_y = bottom + qr_size - 10
    for line in lines:
        if not line:
            continue
        for part in _wrap(line, REGULAR, 8.5, 300):
            canvas.drawString(text_x, line_y, part)
            line_y -= 12

    # Bottom right: signature.
    sign_x = width - margin - 260
    signature = _image(content["signature"]) if content.get("signature") else None
    if signature is not None:
        canvas.drawImage(
            signature,
            sign_x,
            bottom + 40,
            width=200,
            height=60,
            preserveAspectRatio=True,
            anchor="sw",
        )
    canvas.setFillColor(INK)
    canvas.setFont(BOLD, 11)
    canvas.drawString(sign_x, bottom + 24, content.get("signatory_name", ""))
    canvas.setFont(REGULAR, 9)
    for number, part in enumerate(_wrap(content.get("signatory_title", ""), REGULAR, 9, 230)[:2]):
        canvas.drawString(sign_x, bottom + 10 - number * 11, part)

    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def cache_key(certificate) -> str:
    digest = hashlib.sha256(
        json.dumps(certificate.content, sort_keys=True).encode() + certificate.code.encode()
    ).hexdigest()[:24]
    return f"certificates:pdf:{certificate.pk}:{digest}"


def certificate_pdf(certificate) -> bytes:
    """The PDF of an issued certificate, from the cache when it was rendered already."""
    key = cache_key(certificate)
    cached = cache.get(key)
    if cached is not None:
        return cached
    pdf = render(certificate.content, certificate.verification_url())
    cache.set(key, pdf, CACHE_SECONDS)
    return pdf


def forget(certificate) -> None:
    cache.delete(cache_key(certificate))
