"""Markdown to Confluence storage format (XHTML), one method per token type.

The parser is markdown-it-py with the GitHub Flavored Markdown plugin of
mdit-py-plugins: tables, task lists, strikethrough, autolinks, footnotes and
alerts. Raw HTML is off, so ``List<T>`` or ``<script>`` in the Markdown stays
text and is escaped. Links and images keep only http(s), mailto and relative
targets, and anything else is written as plain text. Images become links to
their URL, never embedded images, because an embedded image is fetched by
every viewer's browser without a click. The output is always
well-formed XML: every text is escaped and characters that XML forbids are
replaced with U+FFFD.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.gfm import gfm_plugin

from codedoc_action.confluence.languages import Flavor, confluence_language
from codedoc_action.confluence.readback import storage_to_markdown
from codedoc_action.confluence.xhtml import cdata, escape_attribute, escape_text

__all__ = [
    "ALERT_MACROS",
    "StorageRenderer",
    "anchor_macro",
    "is_allowed_url",
    "render_storage",
    "slugify",
    "storage_to_markdown",
]

# GitHub alert kind -> (Confluence macro, panel background or "").
# GitHub draws NOTE blue, TIP green, IMPORTANT purple, WARNING yellow and
# CAUTION red. Confluence's info, tip, note and warning macros are blue, green,
# yellow and red, and no macro is purple, so IMPORTANT is a panel with a
# purple background.
IMPORTANT_BACKGROUND = "#EAE6FF"
ALERT_MACROS: dict[str, tuple[str, str]] = {
    "NOTE": ("info", ""),
    "TIP": ("tip", ""),
    "IMPORTANT": ("panel", IMPORTANT_BACKGROUND),
    "WARNING": ("note", ""),
    "CAUTION": ("warning", ""),
}

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_ALLOWED_SCHEMES = frozenset({"http", "https", "mailto"})
_SLUG_DROP = re.compile(r"[^\w\- ]", re.UNICODE)


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False}).use(gfm_plugin)


_PARSER = _parser()


def is_allowed_url(url: str) -> bool:
    """Return whether a link or image target is http(s), mailto or relative."""
    stripped = url.strip()
    if any(ord(char) < 0x20 for char in stripped):
        return False
    match = _SCHEME.match(stripped)
    if match is None:
        return True
    return match.group(1).lower() in _ALLOWED_SCHEMES


def slugify(text: str) -> str:
    """Return the GitHub-style anchor of a heading text.

    Lower case, punctuation and emoji removed, spaces to hyphens. A heading
    made only of punctuation or emoji gets "section".
    """
    text = unicodedata.normalize("NFKC", text).lower().strip()
    slug = _SLUG_DROP.sub("", text).replace(" ", "-")
    return slug or "section"


class _Slugs:
    """Unique heading anchors: a repeated slug gets -1, -2 and so on."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def make(self, text: str) -> str:
        base = slugify(text)
        count = self._seen.get(base, 0)
        self._seen[base] = count + 1
        return base if count == 0 else f"{base}-{count}"


def _macro_open(name: str, parameters: dict[str, str] | None = None) -> str:
    parts = [f'<ac:structured-macro ac:name="{name}">']
    for key, value in (parameters or {}).items():
        parts.append(
            f'<ac:parameter ac:name="{key}">{escape_text(value)}</ac:parameter>'
        )
    return "".join(parts)


def anchor_macro(name: str) -> str:
    """Return an anchor macro named ``name``."""
    return _macro_open("anchor", {"": name}) + "</ac:structured-macro>"


_Handler = Callable[[Sequence[Token], int], str]


class StorageRenderer:
    """Renders markdown-it tokens to storage format.

    Block and inline token types each have a method named after the type. A
    token type without a method is written as its escaped text, so an unknown
    construct never emits markup.
    """

    def __init__(self, flavor: Flavor = "cloud") -> None:
        self.flavor = flavor
        self._slugs = _Slugs()
        self._link_closers: list[str] = []
        self._list_kinds: list[str] = []
        self._task_count = 0
        self._skip_until: str | None = None
        self._pending_box = ""

    # Dispatch

    def render(self, tokens: Sequence[Token]) -> str:
        parts: list[str] = []
        for index, token in enumerate(tokens):
            if self._skip_until is not None:
                if token.type == self._skip_until:
                    self._skip_until = None
                continue
            handler: _Handler | None = getattr(self, "_" + token.type, None)
            if handler is not None:
                parts.append(handler(tokens, index))
            elif token.children:
                parts.append(self.render(token.children))
            else:
                parts.append(escape_text(token.content))
        return "".join(parts)

    def _inline(self, tokens: Sequence[Token], index: int) -> str:
        box, self._pending_box = self._pending_box, ""
        return box + self.render(tokens[index].children or [])

    # Blocks

    def _paragraph_open(self, tokens: Sequence[Token], index: int) -> str:
        return "" if tokens[index].hidden else "<p>"

    def _paragraph_close(self, tokens: Sequence[Token], index: int) -> str:
        return "" if tokens[index].hidden else "</p>"

    def _heading_open(self, tokens: Sequence[Token], index: int) -> str:
        title = _plain_text(tokens[index + 1].children or [])
        anchor = anchor_macro(self._slugs.make(title))
        return f"<{tokens[index].tag}>{anchor}"

    def _heading_close(self, tokens: Sequence[Token], index: int) -> str:
        return f"</{tokens[index].tag}>"

    def _hr(self, tokens: Sequence[Token], index: int) -> str:
        return "<hr/>"

    def _blockquote_open(self, tokens: Sequence[Token], index: int) -> str:
        return "<blockquote>"

    def _blockquote_close(self, tokens: Sequence[Token], index: int) -> str:
        return "</blockquote>"

    def _fence(self, tokens: Sequence[Token], index: int) -> str:
        token = tokens[index]
        language = confluence_language(token.info, self.flavor)
        return _code_macro(token.content, language)

    def _code_block(self, tokens: Sequence[Token], index: int) -> str:
        return _code_macro(tokens[index].content, None)

    def _html_block(self, tokens: Sequence[Token], index: int) -> str:
        return f"<p>{escape_text(tokens[index].content.strip())}</p>"

    # Alerts

    def _alert_open(self, tokens: Sequence[Token], index: int) -> str:
        kind = str(tokens[index].meta.get("kind", "NOTE")).upper()
        macro, background = ALERT_MACROS.get(kind, ("info", ""))
        parameters = {"bgColor": background} if background else {}
        return _macro_open(macro, parameters) + "<ac:rich-text-body>"

    def _alert_title_open(self, tokens: Sequence[Token], index: int) -> str:
        # The kind is carried by the macro, so the title paragraph is dropped.
        self._skip_until = "alert_title_close"
        return ""

    def _alert_close(self, tokens: Sequence[Token], index: int) -> str:
        return "</ac:rich-text-body></ac:structured-macro>"

    # Lists

    def _bullet_list_open(self, tokens: Sequence[Token], index: int) -> str:
        if _is_task_list(tokens, index):
            self._list_kinds.append("task")
            return "<ac:task-list>"
        self._list_kinds.append("ul")
        return "<ul>"

    def _bullet_list_close(self, tokens: Sequence[Token], index: int) -> str:
        kind = self._list_kinds.pop()
        return "</ac:task-list>" if kind == "task" else "</ul>"

    def _ordered_list_open(self, tokens: Sequence[Token], index: int) -> str:
        self._list_kinds.append("ol")
        start = tokens[index].attrGet("start")
        return f'<ol start="{int(start)}">' if start not in (None, 1, "1") else "<ol>"

    def _ordered_list_close(self, tokens: Sequence[Token], index: int) -> str:
        self._list_kinds.pop()
        return "</ol>"

    def _list_item_open(self, tokens: Sequence[Token], index: int) -> str:
        checked = tokens[index].meta.get("checked")
        if self._list_kinds and self._list_kinds[-1] == "task":
            self._task_count += 1
            status = "complete" if checked else "incomplete"
            return (
                f"<ac:task><ac:task-id>{self._task_count}</ac:task-id>"
                f"<ac:task-status>{status}</ac:task-status><ac:task-body>"
            )
        if checked is not None:
            # A task in a list that also has plain items keeps a box symbol,
            # written at the start of the item's first text.
            self._pending_box = "\u2611 " if checked else "\u2610 "
        return "<li>"

    def _list_item_close(self, tokens: Sequence[Token], index: int) -> str:
        if self._list_kinds and self._list_kinds[-1] == "task":
            return "</ac:task-body></ac:task>"
        return "</li>"

    # Tables

    def _table_open(self, tokens: Sequence[Token], index: int) -> str:
        return "<table><tbody>"

    def _table_close(self, tokens: Sequence[Token], index: int) -> str:
        return "</tbody></table>"

    def _thead_open(self, tokens: Sequence[Token], index: int) -> str:
        return ""

    _thead_close = _tbody_open = _tbody_close = _thead_open

    def _tr_open(self, tokens: Sequence[Token], index: int) -> str:
        return "<tr>"

    def _tr_close(self, tokens: Sequence[Token], index: int) -> str:
        return "</tr>"

    def _cell_open(self, tokens: Sequence[Token], index: int) -> str:
        token = tokens[index]
        style = str(token.attrGet("style") or "")
        if style.startswith("text-align:"):
            align = style.removeprefix("text-align:").strip()
            return f'<{token.tag} style="text-align: {escape_attribute(align)};">'
        return f"<{token.tag}>"

    def _cell_close(self, tokens: Sequence[Token], index: int) -> str:
        return f"</{tokens[index].tag}>"

    _th_open = _td_open = _cell_open
    _th_close = _td_close = _cell_close

    # Footnotes

    def _footnote_ref(self, tokens: Sequence[Token], index: int) -> str:
        number = int(tokens[index].meta["id"]) + 1
        return _anchor_link(f"footnote-{number}", escape_text(f"[{number}]"))

    def _footnote_block_open(self, tokens: Sequence[Token], index: int) -> str:
        return "<hr/><ol>"

    def _footnote_block_close(self, tokens: Sequence[Token], index: int) -> str:
        return "</ol>"

    def _footnote_open(self, tokens: Sequence[Token], index: int) -> str:
        number = int(tokens[index].meta["id"]) + 1
        return "<li>" + anchor_macro(f"footnote-{number}")

    def _footnote_close(self, tokens: Sequence[Token], index: int) -> str:
        return "</li>"

    def _footnote_anchor(self, tokens: Sequence[Token], index: int) -> str:
        return ""

    # Inline

    def _text(self, tokens: Sequence[Token], index: int) -> str:
        return escape_text(tokens[index].content)

    def _softbreak(self, tokens: Sequence[Token], index: int) -> str:
        return " "

    def _hardbreak(self, tokens: Sequence[Token], index: int) -> str:
        return "<br/>"

    def _code_inline(self, tokens: Sequence[Token], index: int) -> str:
        return f"<code>{escape_text(tokens[index].content)}</code>"

    def _html_inline(self, tokens: Sequence[Token], index: int) -> str:
        return escape_text(tokens[index].content)

    def _em_open(self, tokens: Sequence[Token], index: int) -> str:
        return "<em>"

    def _em_close(self, tokens: Sequence[Token], index: int) -> str:
        return "</em>"

    def _strong_open(self, tokens: Sequence[Token], index: int) -> str:
        return "<strong>"

    def _strong_close(self, tokens: Sequence[Token], index: int) -> str:
        return "</strong>"

    def _s_open(self, tokens: Sequence[Token], index: int) -> str:
        return '<span style="text-decoration: line-through;">'

    def _s_close(self, tokens: Sequence[Token], index: int) -> str:
        return "</span>"

    def _link_open(self, tokens: Sequence[Token], index: int) -> str:
        token = tokens[index]
        href = str(token.attrGet("href") or "")
        if not is_allowed_url(href):
            self._link_closers.append("")
            return ""
        if href.startswith("#") and len(href) > 1:
            self._link_closers.append("</ac:link-body></ac:link>")
            anchor = escape_attribute(href[1:])
            return f'<ac:link ac:anchor="{anchor}"><ac:link-body>'
        self._link_closers.append("</a>")
        title = token.attrGet("title")
        title_attribute = f' title="{escape_attribute(str(title))}"' if title else ""
        return f'<a href="{escape_attribute(href)}"{title_attribute}>'

    def _link_close(self, tokens: Sequence[Token], index: int) -> str:
        return self._link_closers.pop() if self._link_closers else ""

    def _image(self, tokens: Sequence[Token], index: int) -> str:
        # An image loads by itself for every viewer of the page, so a URL the
        # model chose (from prompt-injected source text, say) could carry data
        # out to any host. Images are written as plain links instead, which
        # fetch nothing until a person clicks them.
        token = tokens[index]
        source = str(token.attrGet("src") or "")
        alt = _plain_text(token.children or [])
        if not source or not is_allowed_url(source):
            return escape_text(alt)
        label = escape_text(alt or source)
        if self._link_closers:
            # Already inside a link, and links do not nest.
            return label
        title = token.attrGet("title")
        title_attribute = f' title="{escape_attribute(str(title))}"' if title else ""
        return f'<a href="{escape_attribute(source)}"{title_attribute}>{label}</a>'


def _anchor_link(anchor: str, body: str) -> str:
    return (
        f'<ac:link ac:anchor="{escape_attribute(anchor)}">'
        f"<ac:link-body>{body}</ac:link-body></ac:link>"
    )


def _code_macro(content: str, language: str | None) -> str:
    parameters = {"language": language} if language else {}
    body = content.removesuffix("\n")
    return (
        _macro_open("code", parameters)
        + f"<ac:plain-text-body>{cdata(body)}</ac:plain-text-body>"
        + "</ac:structured-macro>"
    )


def _plain_text(children: Sequence[Token]) -> str:
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_plain_text(child.children or []))
    return "".join(parts)


def _is_task_list(tokens: Sequence[Token], index: int) -> bool:
    """Return whether every item of the list opened at ``index`` is a task."""
    level = tokens[index].level
    found = False
    for token in tokens[index + 1 :]:
        if token.level == level and token.type == "bullet_list_close":
            break
        if token.type == "list_item_open" and token.level == level + 1:
            if token.meta.get("checked") is None:
                return False
            found = True
    return found


def render_storage(
    markdown: str, *, flavor: Flavor = "cloud", toc: bool = False
) -> str:
    """Convert Markdown to a storage format fragment.

    ``flavor`` picks the code macro's language names. ``toc`` puts a
    table-of-contents macro first.
    """
    tokens = _PARSER.parse(markdown)
    # A paragraph of only characters that Markdown strips renders empty and
    # has no Markdown form to read back as, so it is left out.
    body = StorageRenderer(flavor).render(tokens).replace("<p></p>", "")
    if toc:
        body = '<ac:structured-macro ac:name="toc"></ac:structured-macro>' + body
    return body
