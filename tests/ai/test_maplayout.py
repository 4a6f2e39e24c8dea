from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from codedoc_action.ai.tokens import estimate_tokens
from codedoc_action.maplayout import TreeEntry, build_directory_tree, open_directories

SEGMENT = st.text(alphabet="abcdefghij_", min_size=1, max_size=12)
PATH = st.lists(SEGMENT, min_size=1, max_size=5).map("/".join)


@settings(max_examples=60, deadline=None)
@given(
    paths=st.lists(PATH, min_size=1, max_size=400, unique=True),
    budget=st.integers(min_value=40, max_value=3_000),
    focus_count=st.integers(min_value=0, max_value=20),
)
def test_layout_within_budget(paths: list[str], budget: int, focus_count: int) -> None:
    # A path cannot be both a file and a directory in one tree.
    files = [p for p in paths if not any(q.startswith(p + "/") for q in paths)]
    entries = [TreeEntry(path, len(path) * 37, "0" * 40) for path in files]
    focus = set(files[:focus_count])
    root = build_directory_tree(entries, focus)

    layout = open_directories(root, budget, focus)
    lines = layout.render_lines({})

    assert layout.cost <= budget or not root.files
    assert sum(estimate_tokens(line + "\n") for line in lines) <= max(
        layout.cost, budget
    )
    assert root.file_count == len(entries)


def test_layout_counts_hidden_files() -> None:
    entries = [TreeEntry(f"flat/file_{n:04}.txt", 10, "0" * 40) for n in range(2_000)]
    root = build_directory_tree(entries, {"flat/file_1999.txt"})

    lines = open_directories(root, 400, {"flat/file_1999.txt"}).render_lines({})

    text = "\n".join(lines)
    assert "file_1999.txt" in text
    assert "more files" in text
    assert sum(estimate_tokens(line + "\n") for line in lines) <= 400
