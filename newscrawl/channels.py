"""The channel configuration: section labels by URL and the roll-API listings."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from newscrawl.faults import os_cause

TOP_LEVEL_KEYS = ("default_label", "sections", "channels", "default_channels")


class ChannelsError(ValueError):
    """The channel configuration cannot be used; the message names the file, the problem
    and what to do."""


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
        """Read the YAML file at `path`, or the one shipped in the package. Raises
        ChannelsError when the file cannot be read or does not describe channels."""
        where = f"The channels file {path} (CHANNELS_FILE)" if path else "channels.yaml"
        try:
            if path:
                text = Path(path).read_text(encoding="utf-8")
            else:
                text = resources.files("newscrawl").joinpath("channels.yaml").read_text("utf-8")
        except OSError as exc:
            raise ChannelsError(
                f"{where} cannot be read: {os_cause(exc)}; set CHANNELS_FILE to a readable"
                " file, or leave it empty for the packaged one"
            ) from None
        except UnicodeDecodeError as exc:
            raise ChannelsError(f"{where} is not UTF-8 text ({exc}); save it as UTF-8") from None
        try:
            return cls.from_data(yaml.safe_load(text))
        except yaml.YAMLError as exc:
            problem = f"is not YAML: {_yaml_problem(exc)}"
        except ValueError as exc:
            problem = f"is not a channel configuration: {exc}"
        raise ChannelsError(f"{where} {problem}; fix it (see the README, \"Channels\")")

    @classmethod
    def from_data(cls, data: Any) -> ChannelConfig:
        """The configuration a parsed YAML document describes; raises ValueError naming
        the first key that is missing, unknown or of the wrong type."""
        if data is None:
            raise ValueError("the file is empty")
        top = _mapping(data, "the document", TOP_LEVEL_KEYS, required=("default_label",))
        sections = _mapping(top.get("sections", {}), "sections")
        for prefix, label in sections.items():
            _text(prefix, "a key of sections")
            _text(label, f"sections[{prefix!r}]")
        channels: dict[str, Channel] = {}
        for n, entry in enumerate(_list(top.get("channels", []), "channels")):
            channel = _channel(entry, f"channels[{n}]")
            if channel.name in channels:
                raise ValueError(f"channels[{n}]: a second channel named {channel.name!r}")
            channels[channel.name] = channel
        defaults = _list(top.get("default_channels", list(channels)[:1]), "default_channels")
        for n, name in enumerate(defaults):
            if _text(name, f"default_channels[{n}]") not in channels:
                raise ValueError(
                    f"default_channels[{n}]: no channel is named {name!r}"
                    f" (channels: {', '.join(channels) or 'none'})"
                )
        return cls(
            default_label=_text(top["default_label"], "default_label"),
            sections=dict(sections),
            channels=channels,
            default_channels=tuple(defaults),
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


def _channel(entry: Any, where: str) -> Channel:
    known = {f.name: f for f in fields(Channel)}
    required = tuple(name for name, f in known.items() if f.default is MISSING)
    values = _mapping(entry, where, tuple(known), required)
    for name, value in values.items():
        if known[name].type == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{where}.{name}: expected a whole number, got {value!r}")
        else:
            _text(value, f"{where}.{name}", optional=known[name].default is not MISSING)
    return Channel(**values)


def _mapping(
    value: Any, where: str, keys: tuple[str, ...] = (), required: tuple[str, ...] = ()
) -> dict:
    """`value` as a mapping; with `keys`, only those keys, and all of `required`."""
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected a mapping, got {_kind(value)}")
    if keys:
        unknown = [str(k) for k in value if k not in keys]
        if unknown:
            raise ValueError(
                f"{where}: unknown key(s) {', '.join(unknown)} (known: {', '.join(keys)})"
            )
        missing = [k for k in required if k not in value]
        if missing:
            raise ValueError(f"{where}: missing {', '.join(missing)}")
    return value


def _list(value: Any, where: str) -> list:
    if not isinstance(value, list):
        raise ValueError(f"{where}: expected a list, got {_kind(value)}")
    return value


def _text(value: Any, where: str, optional: bool = False) -> str:
    if not isinstance(value, str) or not (optional or value.strip()):
        raise ValueError(f"{where}: expected a text, got {value!r}")
    return value


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a text"}.get(type(value), repr(value))


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """The parser's problem and where it is, on one line."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).replace("\n", " ")
    return f"{problem} (line {mark.line + 1}, column {mark.column + 1})" if mark else problem
