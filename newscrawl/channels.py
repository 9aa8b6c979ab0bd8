"""The channel configuration: section labels by URL and the roll-API listings."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import yaml


@dataclass(frozen=True)
class Channel:
    """One roll-API listing (`feed.mix.sina.com.cn/api/roll/get?pageid=..&lid=..`)."""

    name: str
    title: str
    label: str
    pageid: int
    lid: int
    list_url: str = ""


@dataclass(frozen=True)
class ChannelConfig:
    default_label: str
    sections: dict[str, str]
    channels: dict[str, Channel]
    default_channels: tuple[str, ...]

    @classmethod
    def load(cls, path: str | Path | None = None) -> ChannelConfig:
        """Read the YAML file at `path`, or the one shipped in the package."""
        if path:
            text = Path(path).read_text(encoding="utf-8")
        else:
            text = resources.files("newscrawl").joinpath("channels.yaml").read_text("utf-8")
        data = yaml.safe_load(text)
        channels = {c["name"]: Channel(**c) for c in data.get("channels", [])}
        return cls(
            default_label=data["default_label"],
            sections=dict(data.get("sections", {})),
            channels=channels,
            default_channels=tuple(data.get("default_channels", list(channels)[:1])),
        )

    def label_for(self, url: str, fallback: str = "") -> str:
        """The label of the longest configured section that the article URL `url` falls
        under; else `fallback` (the label of the channel that listed it), else the default.
        """
        parts = urlsplit(url)
        where = (parts.hostname or "") + parts.path
        matches = [prefix for prefix in self.sections if where.startswith(prefix)]
        return self.sections[max(matches, key=len)] if matches else fallback or self.default_label

    def pick(self, names: str | None) -> list[Channel]:
        """Channels named in a comma-separated list (the default ones when empty).

        Raises ValueError naming the unknown names and the known ones.
        """
        wanted = [n.strip() for n in (names or "").split(",") if n.strip()]
        wanted = wanted or list(self.default_channels)
        unknown = [n for n in wanted if n not in self.channels]
        if unknown:
            raise ValueError(
                f"unknown channel(s) {', '.join(unknown)}; known: {', '.join(self.channels)}"
            )
        return [self.channels[n] for n in wanted]
