"""Rich text that staff write (announcements, knowledge-base articles), made safe to show in the console and in the
mini-program's <rich-text>.

`sanitize` keeps an allow-list of tags and attributes (nh3, the Python binding of the Rust `ammonia` sanitizer:
it parses like a browser, so malformed and nested tricks are judged on the tree a browser would build, not on the
text): paragraphs, line breaks, bold/italic/underline, two heading levels, lists, quotes, links to http(s) pages and
pictures uploaded to this company's content-image store (apps/messaging/images.py). Everything else goes: scripts
and styles with their content, event handlers, style attributes, iframes, forms, javascript:/data: URLs, pictures
from anywhere else. Our pictures are stored as site-relative paths (`/files/messaging/images/<sha256>.<ext>`), so a
body survives a change of the company's domain; `absolutize` turns them into full URLs for the mini-program, which
cannot load relative ones.

`plain_text` and `summary` derive the text of a sanitized body (search, list previews, the announcement summary)."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import nh3

TAGS = {"p", "br", "strong", "b", "em", "i", "u", "h2", "h3", "ul", "ol", "li", "blockquote", "a", "img", "span"}
# "*": no attribute on every tag (nh3 would otherwise keep its default generic ones, lang and title).
ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt", "width", "height"}, "*": set()}
# Removed together with what they contain (other unknown tags are dropped and their text kept, escaped).
DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template", "svg", "math",
                     "textarea", "select", "title", "head"}
IMAGE_PATH = "/files/messaging/images/"
IMAGE_PATH_RE = re.compile(r"^/files/messaging/images/(?P<sha>[0-9a-f]{64})\.(?P<ext>jpg|png|webp)$")
MAX_DIMENSION_DIGITS = 4  # width / height attributes: 1 … 9999 pixels
BLOCKS = {"p", "br", "h2", "h3", "li", "blockquote", "ul", "ol", "div", "tr"}
SUMMARY_CHARS = 100


def image_path(src: str) -> str | None:
    """Our content-image path in `src` (an absolute URL on any host of ours, or the path itself), or None."""
    parts = urlsplit(src.strip())
    if parts.scheme not in ("", "http", "https") or parts.query or parts.fragment:
        return None
    if parts.scheme and not parts.netloc:
        return None
    return parts.path if IMAGE_PATH_RE.match(parts.path) else None


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "a" and attr == "href":
        parts = urlsplit(value.strip())
        return value.strip() if parts.scheme in ("http", "https") and parts.netloc else None
    if tag == "img" and attr == "src":
        return image_path(value)
    if tag == "img" and attr in ("width", "height"):
        value = value.strip()
        return value if value.isascii() and value.isdigit() and len(value) <= MAX_DIMENSION_DIGITS else None
    return value


def sanitize(raw: str) -> str:
    """The allowed part of `raw` as well-formed HTML. A picture whose source is not one of ours is removed
    altogether (a bare <img> left behind would show a broken picture)."""
    cleaned = nh3.clean(
        raw or "", tags=TAGS, clean_content_tags=DROP_WITH_CONTENT, attributes=ATTRIBUTES,
        attribute_filter=_attribute_filter, url_schemes={"http", "https"}, url_relative="pass_through",
        link_rel="noopener noreferrer", strip_comments=True)
    return _IMG.sub(lambda m: m.group(0) if "src" in _attrs(m) else "", cleaned).strip()


# nh3 writes every attribute as name="value" with `"`, `<` and `>` escaped inside values, so an <img> it emits is
# matched whole by _IMG and its attributes are read exactly by _ATTR (an alt text cannot fake a src).
_IMG = re.compile(r'<img((?:\s+[a-z-]+="[^"]*")*)\s*/?>')
_ATTR = re.compile(r'\s+([a-z-]+)="([^"]*)"')


def _attrs(match: re.Match) -> dict[str, str]:
    return dict(_ATTR.findall(match.group(1)))


def image_paths(cleaned: str) -> list[str]:
    """The content-image paths a sanitized body shows, in order, once each."""
    return list(dict.fromkeys(src for m in _IMG.finditer(cleaned) if (src := _attrs(m).get("src"))))


def drop_images(cleaned: str, paths: set[str]) -> str:
    """A sanitized body without the pictures at `paths` (e.g. ones this company does not have)."""
    if not paths:
        return cleaned
    return _IMG.sub(lambda m: "" if _attrs(m).get("src") in paths else m.group(0), cleaned)


def absolutize(cleaned: str, origin: str) -> str:
    """A sanitized body with our picture paths prefixed by `origin` ("https://alpha.example.com")."""
    origin = origin.rstrip("/")
    return _IMG.sub(lambda m: m.group(0).replace(f' src="{IMAGE_PATH}', f' src="{origin}{IMAGE_PATH}', 1), cleaned)


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data):
        self.parts.append(data)


def plain_text(cleaned: str) -> str:
    """The words of a sanitized body: one line per block, spaces collapsed, no markup."""
    parser = _Text()
    parser.feed(cleaned or "")
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def summary(text: str, limit: int = SUMMARY_CHARS) -> str:
    """The first `limit` characters of a plain text on one line, with an ellipsis when cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + "…"
