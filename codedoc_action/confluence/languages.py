"""Fenced code languages mapped to the names the Confluence code macro accepts.

Cloud and Data Center accept different names. The Data Center list is the
one that Atlassian's "Code Block Macro" page for Confluence 5.4 documents
(newer releases may accept more). Cloud's code snippet element accepts a
longer list. A language outside the chosen flavour's list is left out, so the
block shows as plain text.
"""

from __future__ import annotations

from typing import Literal

Flavor = Literal["cloud", "datacenter"]

DATACENTER_LANGUAGES = frozenset(
    {
        "actionscript3", "bash", "csharp", "coldfusion", "cpp", "css", "delphi",
        "diff", "erlang", "groovy", "html/xml", "java", "javafx", "javascript",
        "perl", "php", "powershell", "python", "ruby", "scala", "sql", "vb",
    }
)  # fmt: skip

# NOTE: Cloud's list is an estimate, written down from the language picker of
# the Cloud editor without a published reference to check it against.
CLOUD_LANGUAGES = frozenset(
    {
        "abap", "actionscript3", "ada", "applescript", "arduino", "autoit",
        "bash", "c", "clojure", "coffeescript", "coldfusion", "cpp", "csharp",
        "css", "cuda", "d", "dart", "delphi", "diff", "elixir", "erlang",
        "fortran", "foxpro", "go", "graphql", "groovy", "haskell", "haxe",
        "html", "java", "javafx", "javascript", "json", "jsx", "julia",
        "kotlin", "livescript", "lua", "mathematica", "matlab", "objectivec",
        "objectivej", "ocaml", "octave", "pascal", "perl", "php", "powershell",
        "prolog", "puppet", "python", "qml", "r", "racket", "rst", "ruby",
        "rust", "sass", "scala", "scheme", "shell", "smalltalk", "sql",
        "standardml", "swift", "tcl", "tex", "typescript", "vala", "vbnet",
        "verilog", "vhdl", "xml", "xquery", "yaml",
    }
)  # fmt: skip

# Common info strings of fenced code (GitHub Linguist aliases) to one name.
_ALIASES = {
    "as3": "actionscript3",
    "actionscript": "actionscript3",
    "sh": "bash",
    "shell": "bash",
    "zsh": "bash",
    "console": "bash",
    "shell-session": "bash",
    "c#": "csharp",
    "cs": "csharp",
    "c++": "cpp",
    "cxx": "cpp",
    "hpp": "cpp",
    "h": "c",
    "patch": "diff",
    "erl": "erlang",
    "golang": "go",
    "htm": "html",
    "xhtml": "html",
    "js": "javascript",
    "mjs": "javascript",
    "cjs": "javascript",
    "node": "javascript",
    "ts": "typescript",
    "tsx": "typescript",
    "kt": "kotlin",
    "kts": "kotlin",
    "objc": "objectivec",
    "objective-c": "objectivec",
    "ml": "ocaml",
    "pl": "perl",
    "ps1": "powershell",
    "pwsh": "powershell",
    "py": "python",
    "py3": "python",
    "python3": "python",
    "pycon": "python",
    "rb": "ruby",
    "rs": "rust",
    "scss": "sass",
    "postgresql": "sql",
    "mysql": "sql",
    "plsql": "sql",
    "restructuredtext": "rst",
    "latex": "tex",
    "vb.net": "vbnet",
    "visualbasic": "vbnet",
    "svg": "xml",
    "yml": "yaml",
    "jsonc": "json",
    "json5": "json",
}

# Names of the common vocabulary above that Data Center spells differently.
_DATACENTER_NAMES = {
    "html": "html/xml",
    "xml": "html/xml",
    "shell": "bash",
    "vbnet": "vb",
    "typescript": "javascript",
    "jsx": "javascript",
    "json": "javascript",
    "c": "cpp",
}


def confluence_language(info: str, flavor: Flavor) -> str | None:
    """Return the code macro language for a fence info string, or None.

    None means the block is written without a language parameter.
    """
    words = info.strip().split()
    if not words:
        return None
    name = words[0].lower().removeprefix("{").removesuffix("}").lstrip(".")
    if flavor == "datacenter":
        if name in DATACENTER_LANGUAGES:
            return name
        name = _ALIASES.get(name, name)
        name = _DATACENTER_NAMES.get(name, name)
        return name if name in DATACENTER_LANGUAGES else None
    if name in CLOUD_LANGUAGES:
        return name
    name = _ALIASES.get(name, name)
    return name if name in CLOUD_LANGUAGES else None
