"""The Teams app package: the manifest template filled from settings, two icons, zipped for upload to Teams."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from pathlib import Path
from urllib.parse import urlparse

from assistant.config import Settings
from assistant.errors import ConfigurationError

TEMPLATE = Path(__file__).parent / "teams_manifest" / "manifest.json"
ACCENT = (29, 59, 111)
_PLACEHOLDER = re.compile(r"\$\{([A-Z_]+)\}")  # ${NAME}; an unknown name fails loudly (KeyError)


def render_manifest(settings: Settings, organisation: str, teams_app_id: str | None = None) -> dict[str, object]:
    """The manifest for this deployment; fails loudly on a missing bot id or a non-HTTPS public URL."""
    bot_id = settings.teams.app_id
    if not bot_id:
        raise ConfigurationError("set HELPDESK_TEAMS__APP_ID (the bot's Microsoft App ID) first")
    base = settings.public_base_url.rstrip("/")
    host = urlparse(base).hostname
    if not base.startswith("https://") or not host:
        raise ConfigurationError("Teams needs an https:// HELPDESK_PUBLIC_BASE_URL")
    app_id = teams_app_id or str(uuid.uuid5(uuid.NAMESPACE_URL, f"procurement-helpdesk:{bot_id}"))
    values = {"TEAMS_APP_ID": app_id, "BOT_APP_ID": bot_id, "ORGANISATION": json.dumps(organisation)[1:-1],
              "PUBLIC_BASE_URL": base, "PUBLIC_HOST": host}
    text = _PLACEHOLDER.sub(lambda match: values[match.group(1)], TEMPLATE.read_text(encoding="utf-8"))
    return dict(json.loads(text))


def build_package(settings: Settings, out: Path, organisation: str, teams_app_id: str | None = None) -> Path:
    """Write the zip Teams accepts under Apps > Manage your apps > Upload an app."""
    manifest = render_manifest(settings, organisation, teams_app_id)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        package.writestr("color.png", _icon(192, fill=ACCENT + (255,), mark=(255, 255, 255, 255)))
        package.writestr("outline.png", _icon(32, fill=(0, 0, 0, 0), mark=(255, 255, 255, 255)))
    return out


def _icon(size: int, fill: tuple[int, ...], mark: tuple[int, ...]) -> bytes:
    """A square icon with a document mark: 192x192 in colour, 32x32 white on transparent."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (size, size), fill)
    draw = ImageDraw.Draw(image)
    margin = size // 4
    draw.rectangle((margin, size // 6, size - margin, size - size // 6), outline=mark, width=max(1, size // 24))
    for row in range(3):
        y = size // 3 + row * size // 8
        draw.line((margin + size // 10, y, size - margin - size // 10, y), fill=mark, width=max(1, size // 32))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
