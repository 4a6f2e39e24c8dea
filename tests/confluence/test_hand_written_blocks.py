"""Blocks a person added to the section are distinguished from generated ones."""

from __future__ import annotations

from codedoc_action.confluence.section import added_blocks, block_digests


def test_added_blocks_finds_new_paragraph() -> None:
    written = "## Usage\n\nRun the tool.\n\n- one\n- two\n"
    edited = (
        "## Usage\n\nRun the tool.\n\nA person wrote   this\nline.\n\n- one\n- two\n"
    )
    assert added_blocks(edited, block_digests(written)) == (
        "A person wrote this line.",
    )


def test_added_blocks_ignores_whitespace_changes() -> None:
    written = "Run the tool.\n"
    assert added_blocks("Run  the\ntool.\n\n\n", block_digests(written)) == ()


def test_added_blocks_splits_list_items() -> None:
    written = "- one\n- two\n"
    edited = "- one\n- added by a person\n- two\n"
    assert added_blocks(edited, block_digests(written)) == ("- added by a person",)


def test_plain_words_ignores_markup() -> None:
    from codedoc_action.confluence.section import plain_words

    assert plain_words("* Keep **R&amp;D** _notes_") == plain_words("- keep R&D notes")
