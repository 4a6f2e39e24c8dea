"""The steps of one job, wired together: range, changes, AI, page, report."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

from codedoc_action import __version__
from codedoc_action.ai.budget import Budget
from codedoc_action.ai.pipeline import GenerationInput, GenerationResult, generate
from codedoc_action.changes.collect import collect_changes, fetch_auth_for, host_for
from codedoc_action.changes.git import Git
from codedoc_action.changes.model import ChangeSet
from codedoc_action.changes.range import NothingToDo
from codedoc_action.ci.events import CiEvent, event_from_env
from codedoc_action.ci.platform import Platform
from codedoc_action.confluence.cloud import GATEWAY_URL
from codedoc_action.confluence.model import PageState, SectionRecord
from codedoc_action.confluence.publish import (
    Publisher,
    open_publisher,
    render_page_preview,
)
from codedoc_action.confluence.section import plain_words
from codedoc_action.errors import BudgetError, StrictCheckError
from codedoc_action.http import HostAllowList
from codedoc_action.pricing import Price, price_for
from codedoc_action.providers.base import Provider
from codedoc_action.providers.models import resolve_model
from codedoc_action.providers.registry import close_provider, create_provider
from codedoc_action.report import PickedFile, RunReport, render_summary
from codedoc_action.review import (
    allow_review_host,
    fork_without_secrets,
    post_review,
    should_publish,
)
from codedoc_action.settings import Settings
from codedoc_action.usage import UsageLedger

if TYPE_CHECKING:
    from codedoc_action.githost.base import GitHost
    from codedoc_action.job import JobFiles

logger = logging.getLogger(__name__)

# A full SHA-1 or SHA-256 object id.
COMMIT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


class Pipeline:
    """Builds the clients of one job and runs its steps in order."""

    def __init__(
        self,
        settings: Settings,
        platform: Platform,
        env: Mapping[str, str],
        allowed: HostAllowList,
        files: JobFiles,
        job_name: str | None = None,
    ) -> None:
        self.settings = settings
        self.platform = platform
        self.env = env
        self.allowed = allowed
        self.files = files
        self.job_name = job_name
        self.ledger = UsageLedger()
        self.provider: Provider | None = None
        self.publisher: Publisher | None = None
        self.githost: GitHost | None = None
        self.report = RunReport(
            result="",
            job=job_name or "",
            provider=settings.provider,
            max_tokens=settings.max_tokens,
            max_cost=settings.max_cost,
            ledger=self.ledger,
        )

    def close(self) -> None:
        if self.provider is not None:
            close_provider(self.provider)
        if self.publisher is not None:
            self.publisher.close()
        close = getattr(self.githost, "close", None)
        if close is not None:
            close()

    def run(self) -> RunReport:
        """Run the job and return its report; errors propagate to the caller."""
        settings = self.settings
        event = event_from_env(self.env)
        if event.does_nothing:
            self.report.result = f"Nothing to document: {event.kind.replace('_', ' ')}."
            return self.report
        notice = fork_without_secrets(self.env, settings)
        if notice:
            logger.warning("%s", notice)
            self.report.result = notice
            return self.report
        publish, reason = should_publish(settings, self.env, event)
        review = settings.comment and event.kind == "pull_request"
        self._open_clients(event, review)
        hosts = list(self.allowed)
        self.report.hosts = hosts
        logger.info("hosts this run may contact: %s", ", ".join(hosts) or "none")

        model, selection_model = self._resolve_models()
        state = self.publisher.read() if self.publisher is not None else None
        changes = self._collect(event, state)
        if isinstance(changes, NothingToDo):
            self.report.result = f"Nothing to document: {changes.reason}."
            self._describe_page(state)
            return self.report
        if self._already_documented(changes, state):
            return self.report
        if settings.paths and not changes.files and changes.range.base is not None:
            # paths name the changes that trigger documentation, as in plan.
            self.report.result = (
                "Nothing to document: no change in the range matches paths "
                f"({', '.join(settings.paths)})."
            )
            self._describe_page(state)
            return self.report
        if self._offline_would_replace_edits(state):
            return self.report
        result = self._generate(changes, state, model, selection_model)
        self._check_hand_written(result, state)
        self._save_markdown(result, state)
        if review:
            self._post_review(result, state)
        elif publish and self.publisher is not None:
            self._publish(result, state)
        else:
            self._preview(result, state, reason)
        return self.report

    def _open_clients(self, event: CiEvent, review: bool) -> None:
        settings = self.settings
        if settings.provider != "offline":
            self.provider = create_provider(settings, self.allowed)
        if settings.confluence_url and settings.confluence_token is not None:
            # Scoped Cloud tokens go through Atlassian's API gateway; an egress
            # proxy in front of it can be named here.
            gateway = self.env.get("CODEDOC_ATLASSIAN_API_URL") or GATEWAY_URL
            self.publisher = open_publisher(settings, self.allowed, gateway_url=gateway)
        # The Git host's API is the third kind of host a run may contact.
        for url in (event.api_url, event.server_url):
            if url:
                self.allowed.add(url)
        self.githost = host_for(event, settings.github_token, self.allowed)
        if review:
            allow_review_host(self.allowed, self.env)

    def _resolve_models(self) -> tuple[str, str]:
        if self.provider is None:
            return "", ""
        model = resolve_model(self.provider, self.settings.model).id
        selection = model
        if self.settings.selection_model:
            selection = resolve_model(
                self.provider,
                self.settings.selection_model,
                input_name="selection-model",
            ).id
        self.report.model = model
        return model, selection

    def _collect(
        self, event: CiEvent, state: PageState | None
    ) -> ChangeSet | NothingToDo:
        settings = self.settings
        git = Git(
            self.platform.workspace,
            fetch_auth=fetch_auth_for(event, settings.github_token),
        )
        last = self._recorded_commit(state)
        changes = collect_changes(
            git,
            event,
            base=settings.base,
            head=settings.head,
            paths=settings.paths,
            exclude=settings.exclude,
            last_documented_commit=last,
            host=self.githost,
        )
        if isinstance(changes, ChangeSet):
            self.report.commit_range = changes.range
            self.report.changed_files = len(changes.files)
            self.report.skipped = changes.skipped
            if changes.note:
                self.report.warnings.append(changes.note)
        return changes

    def _already_documented(self, changes: ChangeSet, state: PageState | None) -> bool:
        """Return True when the page already documents the range's head.

        A re-run of the same event then makes no AI call and no page version.
        A hand-edited section or ``mode: full`` is always regenerated.
        """
        if state is None or state.record is None or not state.has_section:
            return False
        if state.hand_edited or self.settings.mode == "full":
            return False
        if state.record.commit != changes.range.head:
            return False
        self._describe_page(state)
        self.report.result = (
            f"[The page]({state.url}) already documents "
            f"`{changes.range.head[:12]}`; nothing was sent or written."
        )
        return True

    def _offline_would_replace_edits(self, state: PageState | None) -> bool:
        """Return True, and report why, when offline output would erase hand edits.

        The offline writer builds the section from the repository alone and
        cannot carry edits forward, so an edited section is left as it is
        unless ``mode: full`` is set.
        """
        if self.provider is not None or state is None or not state.hand_edited:
            return False
        if self.settings.mode == "full":
            return False
        self._describe_page(state)
        self.report.result = (
            f"[The page]({state.url}) was not written: its managed section was "
            "edited by hand, and the offline writer cannot keep those edits."
        )
        self.report.warnings.append(
            "Set mode: full to replace the edited section, or use an AI provider, "
            "which revises the edited text."
        )
        logger.warning(
            "page %s: the managed section was edited by hand; the offline writer "
            "leaves it unchanged unless mode is full",
            state.page_id,
        )
        return True

    def _check_hand_written(
        self, result: GenerationResult, state: PageState | None
    ) -> None:
        """Warn about hand-written blocks that the new version no longer holds.

        The page history keeps them, but a reader of the summary should know
        which words a person wrote and the writer dropped or reworded.
        """
        if state is None or not state.hand_written:
            return
        written = plain_words(result.markdown)
        missing = [
            block
            for block in state.hand_written
            if plain_words(block) and plain_words(block) not in written
        ]
        if not missing:
            return
        quoted = "; ".join(f'"{_shorten(block)}"' for block in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        self.report.warnings.append(
            f"{len(missing)} hand-written passage(s) of the section are not in the "
            f"new version word for word: {quoted}{more}. Version {state.version} "
            "in the page history has them."
        )

    def _recorded_commit(self, state: PageState | None) -> str | None:
        """Return the commit stored on the page, if it is a well-formed id.

        Anyone who can edit the page can change its properties, so the value
        is checked before it reaches git.
        """
        if state is None or state.record is None:
            return None
        commit = state.record.commit.strip()
        if COMMIT_ID.fullmatch(commit):
            return commit
        self.report.warnings.append(
            "The commit recorded on the page is not a commit id, so it was "
            "ignored; the range comes from the event alone."
        )
        logger.warning("page %s records an invalid commit id; ignored", state.page_id)
        return None

    def _price(self, model: str) -> Price | None:
        settings = self.settings
        if self.provider is None:
            return None
        return price_for(
            settings.provider, model, settings.price_input, settings.price_output
        )

    def _generate(
        self,
        changes: ChangeSet,
        state: PageState | None,
        model: str,
        selection_model: str,
    ) -> GenerationResult:
        settings = self.settings
        price = self._price(model)
        budget = Budget(settings.max_tokens, settings.max_cost, price)
        if selection_model != model:
            selection_price = self._price(selection_model)
            if settings.max_cost is not None and selection_price is None:
                raise BudgetError(
                    f"max-cost is set but selection-model {selection_model} has no "
                    "known price; use a model the price table lists, or set "
                    "max-tokens instead of max-cost"
                )
            budget.model_prices[selection_model] = selection_price
        inputs = GenerationInput(
            repo_root=self.platform.workspace,
            head=changes.range.head,
            changes=changes,
            current_section=state.section_markdown if state else "",
            page_title=state.title if state else "",
            mode=settings.mode,
            instructions=settings.instructions,
            language=settings.language,
            max_files=settings.max_files,
            model=model,
            selection_model=selection_model,
            strict=settings.strict,
            source_link_template=self._link_template(),
        )
        try:
            result = generate(self.provider, inputs, self.ledger, budget, price=price)
        except StrictCheckError as exc:
            if exc.markdown:
                self.files.markdown.write_text(exc.markdown, encoding="utf-8")
                logger.info("rejected Markdown saved to %s", self.files.markdown)
            raise
        self.report.picked = [PickedFile(s.path, s.reason) for s in result.selections]
        self.report.redactions = result.redactions
        self.report.warnings.extend(result.warnings)
        self.report.left_out = result.left_out
        return result

    def _link_template(self) -> str | None:
        server = self.env.get("GITHUB_SERVER_URL")
        repository = self.env.get("GITHUB_REPOSITORY")
        if server and repository:
            return f"{server}/{repository}/blob/{{commit}}/{{path}}"
        project = self.env.get("CI_PROJECT_URL")
        if project:
            return f"{project}/-/blob/{{commit}}/{{path}}"
        return None

    def _describe_page(self, state: PageState | None) -> None:
        if state is None or not state.page_id:
            return
        self.report.page_id = state.page_id
        self.report.page_url = state.url
        self.report.page_title = state.title
        self.report.page_version = state.version
        self.report.hand_edited = state.hand_edited

    def _save_markdown(self, result: GenerationResult, state: PageState | None) -> None:
        self.files.markdown.write_text(result.markdown, encoding="utf-8")
        self.report.markdown_path = self.files.markdown
        logger.info("generated Markdown saved to %s", self.files.markdown)
        self._describe_page(state)

    def _preview(
        self, result: GenerationResult, state: PageState | None, reason: str
    ) -> None:
        from codedoc_action.job import write_preview

        storage = render_page_preview(result.markdown)
        title = state.title if state and state.title else "codedoc page preview"
        write_preview(result.markdown, storage, self.files, title)
        self.report.preview_path = self.files.preview
        self.report.preview_markdown = result.markdown
        self.report.result = f"Preview only: {reason}"
        logger.info("page preview written to %s", self.files.preview)

    def _post_review(self, result: GenerationResult, state: PageState | None) -> None:
        old = state.section_markdown if state else ""
        self.report.result = "Proposed change posted for review; nothing was written."
        url = post_review(
            self.settings,
            self.platform.name,
            self.env,
            self.allowed,
            self.job_name,
            old,
            result.markdown,
            render_summary(self.report, public=True),
        )
        self.report.result = (
            f"Proposed change posted for review in [this comment]({url}); "
            "nothing was written to Confluence."
        )

    def _publish(self, result: GenerationResult, state: PageState | None) -> None:
        from codedoc_action.job import now_iso

        assert self.publisher is not None
        commit = self.report.commit_range.head if self.report.commit_range else ""
        if result.skipped_ai and state is not None and state.has_section:
            self.report.result = (
                f"[The page]({state.url}) is current: no relevant change in the range."
            )
            return
        record = SectionRecord(
            commit=commit,
            digest="",
            provider=self.settings.provider,
            model=self.report.model,
            tool_version=__version__,
            time=now_iso(),
        )
        message = f"codedoc: documented {commit[:12]}"
        published = self.publisher.publish(result.markdown, record, message)
        self.report.page_id = published.page_id
        self.report.page_url = published.url
        self.report.page_version = published.version
        self.report.updated = published.updated
        if published.created:
            self.report.result = (
                f"Created [the page]({published.url}) with the section "
                f"(version {published.version})."
            )
        elif published.updated:
            self.report.result = (
                f"Updated [the page]({published.url}) to version {published.version}."
            )
        else:
            self.report.result = (
                f"[The page]({published.url}) is current at version "
                f"{published.version}; nothing was written."
            )


def _shorten(text: str, limit: int = 120) -> str:
    """Cut ``text`` at a word boundary, marking the cut."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"
