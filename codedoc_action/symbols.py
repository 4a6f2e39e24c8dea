"""Top-level symbols of a source file: names for the map, signatures for the writer.

Python is parsed with ``ast``. JavaScript, TypeScript, Go, Java and Rust are
parsed with the tree-sitter grammars of their PyPI wheels, or with line
patterns when a grammar does not import. Other languages use the line patterns.
Markdown contributes its first two heading levels.

NOTE: the tree-sitter packages are in the ``test`` extra only, because the
container image pins its dependencies in requirements/image.txt. Until they
are runtime dependencies there, the image uses the line patterns, which miss
declarations such as ``export const`` in TypeScript.
"""

from __future__ import annotations

import ast
import importlib
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath
from typing import Any

logger = logging.getLogger(__name__)

MAX_SYMBOLS = 40
# ast.parse took about 6 ms per file on SQLAlchemy's larger modules (2-core
# AMD EPYC, bench/tokens.py), so Python files over this size are read with a
# column-0 pattern instead. It finds the same top-level names, but also any
# "def" or "class" at the start of a line inside a multi-line string.
MAX_AST_BYTES = 20_000
MAX_SIGNATURE_CHARS = 160


@dataclass(frozen=True)
class Symbol:
    """A top-level declaration: its name, kind and first declaration line."""

    name: str
    kind: str
    signature: str


# grammar module, the function returning the language pointer, and the
# top-level node types that declare a name
_TREE_SITTER: dict[str, tuple[str, str]] = {
    ".js": ("tree_sitter_javascript", "language"),
    ".jsx": ("tree_sitter_javascript", "language"),
    ".mjs": ("tree_sitter_javascript", "language"),
    ".cjs": ("tree_sitter_javascript", "language"),
    ".ts": ("tree_sitter_typescript", "language_typescript"),
    ".mts": ("tree_sitter_typescript", "language_typescript"),
    ".tsx": ("tree_sitter_typescript", "language_tsx"),
    ".go": ("tree_sitter_go", "language"),
    ".java": ("tree_sitter_java", "language"),
    ".rs": ("tree_sitter_rust", "language"),
}
_DECLARATIONS = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "class_declaration",
        "abstract_class_declaration",
        "interface_declaration",
        "type_alias_declaration",
        "enum_declaration",
        "record_declaration",
        "annotation_type_declaration",
        "method_declaration",
        "function_item",
        "struct_item",
        "enum_item",
        "trait_item",
        "type_item",
        "union_item",
        "mod_item",
        "const_item",
        "static_item",
        "macro_definition",
    }
)
_CONTAINERS = frozenset(
    {
        "export_statement",
        "lexical_declaration",
        "variable_declaration",
        "type_declaration",
        "const_declaration",
        "var_declaration",
        "impl_item",
    }
)
_FALLBACK = re.compile(
    r"^(?:export\s+)?(?:default\s+)?(?:pub(?:\([^)]*\))?\s+)?"
    r"(?:public\s+|private\s+|protected\s+|internal\s+|static\s+|abstract\s+|"
    r"final\s+|sealed\s+|data\s+|async\s+|unsafe\s+|partial\s+)*"
    r"(?P<kind>def|class|module|func|fn|function|interface|struct|enum|trait|"
    r"object|type|impl|namespace|record)\s+(?:\([^)]*\)\s*)?"
    r"(?P<name>[A-Za-z_][A-Za-z0-9_]*)",
    re.MULTILINE,
)
_HEADING = re.compile(r"^(#{1,2})\s+(?P<name>\S.*?)\s*#*\s*$", re.MULTILINE)


def extract_symbols(path: str, source: bytes) -> tuple[Symbol, ...]:
    """Return the top-level symbols of ``source``, at most ``MAX_SYMBOLS``."""
    suffix = PurePosixPath(path).suffix.lower()
    text = source.decode("utf-8", errors="replace")
    if suffix in (".py", ".pyi") and len(source) <= MAX_AST_BYTES:
        symbols = _python_symbols(text)
    elif suffix in (".py", ".pyi"):
        symbols = _python_line_symbols(text)
    elif suffix in (".md", ".markdown", ".rst"):
        symbols = _heading_symbols(text)
    elif suffix in _TREE_SITTER and (parser := _parser(suffix)) is not None:
        symbols = list(_tree_sitter_symbols(parser, source))
    else:
        symbols = _pattern_symbols(text)
    return tuple(symbols[:MAX_SYMBOLS])


def _signature(line: str) -> str:
    line = " ".join(line.split())
    if len(line) > MAX_SIGNATURE_CHARS:
        return line[: MAX_SIGNATURE_CHARS - 3] + "..."
    return line


def _python_symbols(text: str) -> list[Symbol]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return _pattern_symbols(text)
    lines = text.splitlines()
    symbols: list[Symbol] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            line = lines[node.lineno - 1] if node.lineno <= len(lines) else node.name
            symbols.append(Symbol(node.name, "function", _signature(line)))
        elif isinstance(node, ast.ClassDef):
            symbols.append(_python_class(node, lines))
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id.isupper():
                    symbols.append(Symbol(target.id, "constant", target.id))
    return symbols


_PYTHON_TOP_LEVEL = re.compile(
    r"^(?P<kind>async def|def|class)\s+(?P<name>[A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE
)


def _python_line_symbols(text: str) -> list[Symbol]:
    symbols: list[Symbol] = []
    for match in _PYTHON_TOP_LEVEL.finditer(text):
        line_end = text.find("\n", match.start())
        line = text[match.start() : line_end if line_end >= 0 else len(text)]
        kind = "class" if match.group("kind") == "class" else "function"
        symbols.append(Symbol(match.group("name"), kind, _signature(line)))
        if len(symbols) >= MAX_SYMBOLS:
            break
    return symbols


def _python_class(node: ast.ClassDef, lines: list[str]) -> Symbol:
    header = lines[node.lineno - 1] if node.lineno <= len(lines) else node.name
    methods = [
        child.name
        for child in node.body
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
        and (not child.name.startswith("_") or child.name == "__init__")
    ]
    signature = _signature(header)
    if methods:
        signature += " methods: " + ", ".join(methods[:20])
    return Symbol(node.name, "class", signature)


def _heading_symbols(text: str) -> list[Symbol]:
    return [
        Symbol(match.group("name"), "heading", match.group(0).strip())
        for match in _HEADING.finditer(text)
    ]


def _pattern_symbols(text: str) -> list[Symbol]:
    symbols: list[Symbol] = []
    seen: set[str] = set()
    for match in _FALLBACK.finditer(text):
        name = match.group("name")
        if name in seen:
            continue
        seen.add(name)
        line_end = text.find("\n", match.start())
        line = text[match.start() : line_end if line_end >= 0 else len(text)]
        symbols.append(Symbol(name, match.group("kind"), _signature(line)))
        if len(symbols) >= MAX_SYMBOLS:
            break
    return symbols


@cache
def _parser(suffix: str) -> Any | None:
    """Build the tree-sitter parser for ``suffix``, or None when unavailable."""
    module_name, function_name = _TREE_SITTER[suffix]
    try:
        tree_sitter = importlib.import_module("tree_sitter")
        grammar = importlib.import_module(module_name)
        language_function: Callable[[], object] = getattr(grammar, function_name)
        language = tree_sitter.Language(language_function())
        return tree_sitter.Parser(language)
    except (ImportError, AttributeError, ValueError, TypeError) as error:
        logger.info(
            "no tree-sitter grammar for %s, using line patterns: %s", suffix, error
        )
        return None


def _tree_sitter_symbols(parser: Any, source: bytes) -> Iterator[Symbol]:
    tree = parser.parse(source)
    yield from _declarations(tree.root_node.children, depth=0)


def _declarations(nodes: list[Any], depth: int) -> Iterator[Symbol]:
    for node in nodes:
        node_type: str = node.type
        if node_type in _DECLARATIONS:
            name_node = node.child_by_field_name("name")
            if name_node is not None and name_node.text is not None:
                yield Symbol(
                    name_node.text.decode("utf-8", errors="replace"),
                    node_type.rsplit("_", 1)[0],
                    _first_line(node),
                )
        elif node_type in _CONTAINERS and depth < 2:
            yield from _container_symbols(node, depth)


def _container_symbols(node: Any, depth: int) -> Iterator[Symbol]:
    if node.type == "impl_item":
        type_node = node.child_by_field_name("type")
        if type_node is not None and type_node.text is not None:
            yield Symbol(
                type_node.text.decode("utf-8", errors="replace"),
                "impl",
                _first_line(node),
            )
        return
    for child in node.named_children:
        if child.type in ("variable_declarator", "type_spec", "const_spec", "var_spec"):
            name_node = child.child_by_field_name("name")
            if name_node is not None and name_node.text is not None:
                name = name_node.text.decode("utf-8", errors="replace")
                yield Symbol(name, child.type.split("_")[0], _first_line(node))
        else:
            yield from _declarations([child], depth + 1)


def _first_line(node: Any) -> str:
    text: bytes = node.text or b""
    return _signature(text.split(b"\n", 1)[0].decode("utf-8", errors="replace"))
