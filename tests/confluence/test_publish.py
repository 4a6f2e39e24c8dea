"""The publisher against the fake Cloud and Data Center servers."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from codedoc_action.confluence.model import SectionRecord
from codedoc_action.confluence.publish import (
    PROPERTY_KEY,
    Publisher,
    open_publisher,
    render_page_preview,
)
from codedoc_action.confluence.section import END_MARKER, START_MARKER
from codedoc_action.errors import (
    ConfluenceAuthError,
    ConfluenceError,
    PageNotFoundError,
    VersionConflictError,
)
from codedoc_action.http import HostAllowList
from codedoc_action.settings import Settings
from tests.fakes.confluence import FakeConfluence

USER = "me@example.com"
TOKEN = "secret-token-123"
RECORD = SectionRecord("c0ffee", "", "offline", "", "0.1.0", "2026-01-01T00:00:00Z")


@dataclass
class Env:
    fake: FakeConfluence
    sleeps: list[float] = field(default_factory=list)
    allowed: HostAllowList = field(default_factory=HostAllowList)

    def publisher(
        self, token: str = TOKEN, timeout: float = 2.0, **inputs: Any
    ) -> Publisher:
        values: dict[str, Any] = {
            "confluence_url": self.fake.base_url,
            "confluence_user": USER if self.fake.kind == "cloud" else "",
            "confluence_token": token,
        }
        values.update(inputs)
        return open_publisher(
            Settings(**values),
            self.allowed,
            sleep=self.sleeps.append,
            gateway_url=self.fake.gateway_url,
            timeout=timeout,
        )


@pytest.fixture(params=["cloud", "datacenter"])
def env(request: pytest.FixtureRequest) -> Iterator[Env]:
    with FakeConfluence(kind=request.param, user=USER, token=TOKEN) as fake:
        yield Env(fake)


def _writes(fake: FakeConfluence, method: str = "PUT") -> list[str]:
    return [path for verb, path, _, _ in fake.requests if verb == method]


def test_publish_appends_section_keeps_hand_text(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="<p>hand text</p>")
    with env.publisher(confluence_page=page_id) as publisher:
        result = publisher.publish("# API\n\nGenerated.", RECORD, "codedoc: c0ffee")
    page = env.fake.page(page_id)
    assert result.updated
    assert result.version == 2
    assert page["body"].startswith("<p>hand text</p>" + START_MARKER)
    assert page["body"].endswith("<p>Generated.</p>" + END_MARKER)
    assert env.fake.versions(page_id)[-1]["message"] == "codedoc: c0ffee"


def test_publish_stores_record_with_digest(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    with env.publisher(confluence_page=page_id) as publisher:
        publisher.publish("Generated.", RECORD, "m")
        state = publisher.read()
    stored = env.fake.properties(page_id)[PROPERTY_KEY]
    assert stored["commit"] == "c0ffee"
    assert len(stored["digest"]) == 64
    assert state.record is not None
    assert state.record.digest == stored["digest"]
    assert state.section_markdown == "Generated.\n"
    assert state.has_section
    assert not state.hand_edited


def test_publish_unchanged_makes_no_version(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="<p>x</p>")
    with env.publisher(confluence_page=page_id) as publisher:
        publisher.publish("Same text.", RECORD, "m")
        second = publisher.publish("Same text.", RECORD, "m")
    assert not second.updated
    assert second.version == 2
    assert len(env.fake.versions(page_id)) == 2


def test_publish_unchanged_new_commit_updates_record(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    newer = SectionRecord("beef", "", "offline", "", "0.1.0", "2026-01-02T00:00:00Z")
    with env.publisher(confluence_page=page_id) as publisher:
        publisher.publish("Same text.", RECORD, "m")
        publisher.publish("Same text.", newer, "m")
    assert env.fake.properties(page_id)[PROPERTY_KEY]["commit"] == "beef"
    assert len(env.fake.versions(page_id)) == 2


def test_publish_second_run_replaces_section_only(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="<p>top</p>")
    with env.publisher(confluence_page=page_id) as publisher:
        publisher.publish("First.", RECORD, "m")
        body = env.fake.page(page_id)["body"]
        env.fake.set_body(page_id, body + "<p>added below by a person</p>")
        publisher.publish("Second.", RECORD, "m")
    body = env.fake.page(page_id)["body"]
    assert body.startswith("<p>top</p>" + START_MARKER + "<p>Second.</p>")
    assert body.endswith(END_MARKER + "<p>added below by a person</p>")
    assert "First." not in body


def test_read_detects_hand_edit(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    with env.publisher(confluence_page=page_id) as publisher:
        publisher.publish("Generated text.", RECORD, "m")
        body = env.fake.page(page_id)["body"]
        env.fake.set_body(page_id, body.replace("Generated text.", "Fixed by hand."))
        state = publisher.read()
        result = publisher.publish("Regenerated.", RECORD, "m")
    assert state.hand_edited
    assert "Fixed by hand." in state.section_markdown
    assert result.hand_edited


def test_read_editor_attributes_not_hand_edit(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    with env.publisher(confluence_page=page_id) as publisher:
        publisher.publish("# Title\n\nText.", RECORD, "m")
        body = env.fake.page(page_id)["body"]
        env.fake.set_body(
            page_id,
            body.replace('ac:name="anchor"', 'ac:name="anchor" ac:macro-id="9"'),
        )
        state = publisher.read()
    assert not state.hand_edited


def test_publish_keeps_inline_comment_on_unchanged_paragraph(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    with env.publisher(confluence_page=page_id) as publisher:
        publisher.publish("Stable sentence here.\n\nOld tail.", RECORD, "m")
        body = env.fake.page(page_id)["body"].replace(
            "sentence",
            '<ac:inline-comment-marker ac:ref="r1">sentence</ac:inline-comment-marker>',
        )
        env.fake.set_body(page_id, body)
        publisher.publish("Stable sentence here.\n\nNew tail.", RECORD, "m")
    body = env.fake.page(page_id)["body"]
    assert '<ac:inline-comment-marker ac:ref="r1">sentence' in body
    assert "New tail." in body


def test_publish_creates_page_under_parent(env: Env) -> None:
    parent = env.fake.add_page(title="Parent", body="", space="DOC")
    with env.publisher(
        confluence_space="DOC",
        confluence_title="Generated docs",
        confluence_parent=parent,
    ) as publisher:
        state = publisher.read()
        result = publisher.publish("Hello.", RECORD, "m")
    page = env.fake.page(result.page_id)
    assert state.page_id == ""
    assert result.created
    assert page["parent_id"] == parent
    assert page["title"] == "Generated docs"
    assert "codedoc-action" in page["labels"]
    assert env.fake.properties(result.page_id)[PROPERTY_KEY]["commit"] == "c0ffee"


def test_publish_finds_page_by_title(env: Env) -> None:
    page_id = env.fake.add_page(title="Existing", body="<p>keep</p>", space="OPS")
    with env.publisher(
        confluence_space="OPS", confluence_title="Existing"
    ) as publisher:
        result = publisher.publish("Hello.", RECORD, "m")
    assert result.page_id == page_id
    assert not result.created
    assert len(env.fake.page_ids()) == 1


def test_publish_retries_version_conflict(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    env.fake.add_fault(409, method="PUT", path_contains=f"/{page_id}", times=2)
    with env.publisher(confluence_page=page_id) as publisher:
        result = publisher.publish("Text.", RECORD, "m")
    assert result.version == 2
    assert len(_writes(env.fake)) == 3


def test_publish_conflict_with_real_concurrent_edit(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="<p>v1</p>")
    with env.publisher(confluence_page=page_id) as publisher:
        publisher.read()
        env.fake.set_body(page_id, "<p>someone else</p>")
        env.fake.add_fault(409, method="PUT", times=1)
        result = publisher.publish("Text.", RECORD, "m")
    assert result.version == 3
    assert env.fake.page(page_id)["body"].startswith("<p>someone else</p>")


def test_publish_conflict_retries_run_out(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    env.fake.add_fault(409, method="PUT", times=10)
    with (
        env.publisher(confluence_page=page_id) as publisher,
        pytest.raises(VersionConflictError, match=page_id),
    ):
        publisher.publish("Text.", RECORD, "m")


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [("3", 3.0), ("0", 0.0), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)],
)
def test_publish_rate_limit_honours_retry_after(
    env: Env, retry_after: str, expected: float
) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    env.fake.add_fault(429, headers={"Retry-After": retry_after}, method="PUT")
    with env.publisher(confluence_page=page_id) as publisher:
        result = publisher.publish("Text.", RECORD, "m")
    assert result.updated
    assert env.sleeps == [expected]


def test_publish_server_error_retried(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    env.fake.add_fault(503, method="GET", times=2)
    with env.publisher(confluence_page=page_id) as publisher:
        result = publisher.publish("Text.", RECORD, "m")
    assert result.updated
    assert len(env.sleeps) == 2


def test_publish_too_large_names_size(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    env.fake.max_body_bytes = 2000
    with (
        env.publisher(confluence_page=page_id) as publisher,
        pytest.raises(ConfluenceError, match="too large") as caught,
    ):
        publisher.publish("word " * 2000, RECORD, "m")
    assert caught.value.status == 413
    assert caught.value.page_id == page_id
    assert re.search(r"body of \d+ bytes", str(caught.value))


def test_publish_bad_token_auth_error(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    with (
        env.publisher(token="wrong-token", confluence_page=page_id) as publisher,
        pytest.raises(ConfluenceAuthError) as caught,
    ):
        publisher.read()
    assert "wrong-token" not in str(caught.value)
    assert "confluence-token" in str(caught.value)


def test_publish_missing_page_not_found(env: Env) -> None:
    with (
        env.publisher(confluence_page="999999") as publisher,
        pytest.raises(PageNotFoundError, match="999999"),
    ):
        publisher.read()


def test_publish_forbidden_is_auth_error(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    env.fake.add_fault(403, method="PUT")
    with (
        env.publisher(confluence_page=page_id) as publisher,
        pytest.raises(ConfluenceAuthError, match=page_id),
    ):
        publisher.publish("Text.", RECORD, "m")


def test_publish_error_body_in_message(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    v2 = {"errors": [{"status": 400, "title": "Bad", "detail": "macro is broken"}]}
    v1 = {"statusCode": 400, "message": "macro is broken"}
    env.fake.add_fault(400, body=v2 if env.fake.kind == "cloud" else v1, method="PUT")
    with (
        env.publisher(confluence_page=page_id) as publisher,
        pytest.raises(ConfluenceError) as caught,
    ):
        publisher.publish("Text.", RECORD, "m")
    message = str(caught.value)
    assert "macro is broken" in message
    assert f"page {page_id}" in message
    assert f"could not update page {page_id}" in message


def test_publish_timeout_translated(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    env.fake.add_fault(200, method="GET", delay=0.5, times=10)
    with (
        env.publisher(timeout=0.1, confluence_page=page_id) as publisher,
        pytest.raises(ConfluenceError, match="timed out"),
    ):
        publisher.read()


def test_publish_title_collision_clear_error(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    with env.publisher(confluence_space="DOC", confluence_title="Free") as publisher:
        # Someone creates the page between the lookup and the write.
        monkeypatch.setattr(publisher.client, "find_page", lambda space, title: None)
        env.fake.add_page(title="Free", body="<p>theirs</p>", space="DOC")
        with pytest.raises(ConfluenceError, match="already exists") as caught:
            publisher.publish("Text.", RECORD, "m")
    assert "confluence-title" in str(caught.value)
    assert len(env.fake.page_ids()) == 1


def test_publish_display_url_missing_page_not_created(env: Env) -> None:
    env.fake.add_page(title="Other", body="<p>other</p>", space="DOC")
    url = env.fake.base_url + "/display/DOC/Missing+Page"
    with (
        env.publisher(confluence_page=url) as publisher,
        pytest.raises(PageNotFoundError, match="Missing Page"),
    ):
        publisher.publish("Text.", RECORD, "m")
    assert len(env.fake.page_ids()) == 1
    assert _writes(env.fake, "POST") == []


def test_publish_touches_only_target_page(env: Env) -> None:
    other = env.fake.add_page(title="Other", body="<p>other</p>", space="DOC")
    target = env.fake.add_page(title="Target", body="", space="DOC")
    with env.publisher(confluence_page=target) as publisher:
        publisher.publish("Text.", RECORD, "m")
    assert env.fake.page(other)["body"] == "<p>other</p>"
    assert env.fake.versions(other) == [
        {"number": 1, "message": "", "minorEdit": False}
    ]
    assert env.fake.properties(other) == {}


def test_publish_adds_confluence_host_to_allow_list(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    with env.publisher(confluence_page=page_id):
        pass
    assert "127.0.0.1" in env.allowed


def test_publish_never_logs_token(env: Env, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    page_id = env.fake.add_page(title="Docs", body="")
    with env.publisher(confluence_page=page_id) as publisher:
        publisher.publish("Text.", RECORD, "m")
    assert TOKEN not in caplog.text
    assert repr(publisher.client).find(TOKEN) == -1


def test_read_malformed_section_clear_error(env: Env) -> None:
    body = START_MARKER + "<p>broken <b>markup</p>" + END_MARKER
    page_id = env.fake.add_page(title="Docs", body="")
    env.fake.set_body(page_id, body)
    with (
        env.publisher(confluence_page=page_id) as publisher,
        pytest.raises(ConfluenceError, match="not well-formed") as caught,
    ):
        publisher.read()
    assert caught.value.page_id == page_id


def test_publish_toc_option_first_in_section(env: Env) -> None:
    page_id = env.fake.add_page(title="Docs", body="")
    with env.publisher(confluence_page=page_id) as publisher:
        publisher.toc = True
        publisher.publish("# A\n\ntext", RECORD, "m")
        state = publisher.read()
    body = env.fake.page(page_id)["body"]
    assert body.startswith(START_MARKER + '<ac:structured-macro ac:name="toc">')
    assert state.section_markdown.startswith("# A")


def test_render_page_preview_is_section_storage() -> None:
    preview = render_page_preview("# Title\n\n<script>x</script>")
    assert "<h1>" in preview
    assert "&lt;script&gt;" in preview
    assert START_MARKER not in preview
