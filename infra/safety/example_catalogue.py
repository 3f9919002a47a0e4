"""Mutations of the reference-shaped example (``infra example create``).

Ordinary mutations are derived from the repository itself (one per function: its first
``return``/``assert`` changed; data files: a number bumped, a line removed; deletions, a
rename, comment-only controls). Hand-written ones reach the traps this example has: tests
that rewrite tracked files, the ``source .venv/bin/activate`` hooks, ``tests/deployment``
(its own ``pytest.ini``) exercising ``src/shopfront/manifests.py``, a ``cd tests/deployment``
hook a developer adds, and broken commits whose fix is left unstaged.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from infra.safety.model import Edit, Mutation, append, both, delete, rename, replace, transform

REPO = "example"
ACTIVATE = ".venv/bin/activate"
MANIFESTS = "src/shopfront/manifests.py"
# Touches a file every deployment hook matches that no kustomize test reads.
TOUCH_HELM = append("deployments/helm/values-staging.yaml", "# reviewed\n")


def _m(cls: str, kind: str, describe: str, apply: Edit, unstaged: Edit | None = None) -> Mutation:
    return Mutation(REPO, cls, kind, describe, apply, unstaged)


def _spread(items: list[Mutation], limit: int) -> list[Mutation]:
    """At most ``limit`` items, taken evenly across the list (every file gets a turn)."""
    if len(items) <= limit:
        return items
    step = len(items) / limit
    return [items[int(i * step)] for i in range(limit)]


def _functions(path: Path) -> Iterator[ast.FunctionDef]:
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef) and node.body:
            yield node


def _line_edit(rel: str, line: int, new: str) -> Edit:
    def change(text: str) -> str:
        lines = text.splitlines(keepends=True)
        old = lines[line - 1]
        lines[line - 1] = f"{old[: len(old) - len(old.lstrip())]}{new}\n"
        return "".join(lines)

    return transform(rel, change)


def _first_change(fn: ast.FunctionDef) -> tuple[int, str] | None:
    for stmt in ast.walk(fn):
        if isinstance(stmt, ast.Return) and stmt.value is not None and stmt.lineno == stmt.end_lineno:
            return stmt.lineno, "return None  # mutated"
        if isinstance(stmt, ast.Assert) and stmt.lineno == stmt.end_lineno:
            return stmt.lineno, f"assert not ({ast.unparse(stmt.test)})  # mutated"
    return None


def python_mutations(root: Path, pattern: str, kind: str, limit: int) -> list[Mutation]:
    """One mutation per function (at most 3 per file): its first ``return``/``assert`` changed."""
    out: list[Mutation] = []
    for path in sorted(root.glob(pattern)):
        rel = path.relative_to(root).as_posix()
        found = [(fn.name, change) for fn in _functions(path) if (change := _first_change(fn))]
        for name, (line, new) in found[:3]:
            out.append(_m("ordinary", kind, f"{rel}:{line} in {name}()", _line_edit(rel, line, new)))
    return _spread(out, limit)


_NUMBER = re.compile(r"(:\s*)(\d+)(\s*$)", re.M)


def _bump(match: re.Match[str]) -> str:
    return f"{match.group(1)}{int(match.group(2)) + 1}{match.group(3)}"


def _drop_middle_line(text: str) -> str:
    lines = text.splitlines(keepends=True)
    return "".join(lines[: len(lines) // 2] + lines[len(lines) // 2 + 1 :])


def data_mutations(root: Path, pattern: str, kind: str, limit: int) -> list[Mutation]:
    """Data files: a number changed, a line removed."""
    out: list[Mutation] = []
    for path in sorted(root.glob(pattern)):
        rel = path.relative_to(root).as_posix()
        text = path.read_text()
        if _NUMBER.search(text):
            out.append(
                _m(
                    "ordinary",
                    kind,
                    f"{rel}: a number changed",
                    transform(rel, lambda t: _NUMBER.sub(_bump, t, 1)),
                )
            )
        if len(text.splitlines()) > 3:
            out.append(_m("ordinary", kind, f"{rel}: middle line removed", transform(rel, _drop_middle_line)))
    return _spread(out, limit)


def structural_mutations(root: Path) -> list[Mutation]:
    """Deleted files, a renamed file, and comment-only controls."""

    def rel(path: Path) -> str:
        return path.relative_to(root).as_posix()

    docs = sorted((root / "docs").rglob("*.mdx"))
    src = sorted((root / "src").rglob("*.py"))
    tests = sorted((root / "tests").rglob("test_*.py"))
    out = [
        _m("ordinary", "delete", f"{rel(docs[-1])} deleted", delete(rel(docs[-1]))),
        _m(
            "ordinary",
            "rename",
            f"{rel(docs[0])} renamed",
            rename(rel(docs[0]), rel(docs[0].with_name("renamed-" + docs[0].name))),
        ),
        _m("ordinary", "delete", f"{rel(tests[-1])} deleted", delete(rel(tests[-1]))),
    ]
    for path in (src[1], src[-1], tests[0], root / "tests" / "conftest.py"):
        out.append(
            _m(
                "ordinary",
                "comment",
                f"{rel(path)}: comment added",
                append(rel(path), "\n# a comment only\n"),
            )
        )
    return out


def _writes(rel: str, test: str, target: str, body: str) -> Edit:
    return append(
        rel,
        f"\n\ndef {test}(repo_root: Path) -> None:\n"
        f'    """Writes {target} (a tracked file)."""\n'
        f'    path = repo_root / "{target}"\n'
        f"    {body}\n"
        "    assert path.exists()\n",
    )


def _class1() -> list[Mutation]:
    return [
        # prevent-local-config-commits (always_run): its test now rewrites a tracked file.
        _m(
            "1",
            "test",
            "test_gitignore_validation.py: a test re-serialises config/feature-flags.json",
            _writes(
                "tests/test_gitignore_validation.py",
                "test_flags_normalised",
                "config/feature-flags.json",
                "import json; path.write_text(json.dumps(json.loads(path.read_text()), indent=4) + '\\n')",
            ),
        ),
        _m(
            "1",
            "test",
            "test_regression_prevention.py: a test stamps requirements.lock",
            _writes(
                "tests/test_regression_prevention.py",
                "test_lock_stamped",
                "requirements.lock",
                "path.write_text(path.read_text() + '# checked\\n')",
            ),
        ),
        _m(
            "1",
            "test",
            "test_fixture_organization.py: a test rewrites .gitignore",
            _writes(
                "tests/test_fixture_organization.py",
                "test_gitignore_sorted",
                ".gitignore",
                "path.write_text(''.join(sorted(path.read_text().splitlines(keepends=True))))",
            ),
        ),
        # Control: an untracked file is no modification for pre-commit.
        _m(
            "1",
            "test",
            "test_gitignore_validation.py: a test writes an untracked file (control: passes)",
            _writes(
                "tests/test_gitignore_validation.py",
                "test_scratch_written",
                "scratch-output.txt",
                "path.write_text('scratch\\n')",
            ),
        ),
    ]


def _subdir() -> list[Mutation]:
    # validate-kustomize-builds runs tests/deployment (rootdir there) over src/shopfront/manifests.py.
    cases = [
        (
            "f\"{kustomization.get('namePrefix', '')}{metadata.get('name', '')}\"",
            "f\"{metadata.get('name', '')}\"",
            "_transform drops the name prefix",
        ),
        (
            "documents[index] = deep_merge(document, patch)",
            "documents[index] = document",
            "_apply_patch ignores patches",
        ),
        (
            "container[\"image\"] = f\"{image.get('newName', repository)}:{image['newTag']}\"",
            'container["image"] = f"{image.get(\'newName\', repository)}:latest"',
            "_transform pins images to :latest",
        ),
    ]
    return [
        _m(
            "2-subdir",
            "src",
            f"manifests.{what} (+ a helm values comment)",
            both(replace(MANIFESTS, old, new), TOUCH_HELM),
        )
        for old, new, what in cases
    ]


def _class3() -> list[Mutation]:
    # validate-fixture-scopes and validate-test-dependencies source .venv/bin/activate.
    return [
        _m(
            "3",
            "venv",
            "activate returns 1 + tests/conftest.py comment",
            both(append(ACTIVATE, "return 1\n"), append("tests/conftest.py", "\n# fixtures\n")),
        ),
        _m(
            "3",
            "venv",
            "activate deleted + tests/unit/test_cart.py comment",
            both(delete(ACTIVATE), append("tests/unit/test_cart.py", "\n# cart cases\n")),
        ),
    ]


def _class4(root: Path, ordinary: list[Mutation]) -> list[Mutation]:
    """Three failing test mutations pushed broken, with the fix left unstaged."""
    from infra.safety.model import undo_in_worktree

    fixture_test = python_mutations(root, "tests/test_fixture_organization.py", "test", 1)
    picked = [m for m in ordinary if m.kind == "test"][:2] + fixture_test
    return [
        m._replace(
            cls="4", describe=f"{m.describe} committed, fixed in the working tree", unstaged=undo_in_worktree
        )
        for m in picked
    ]


def _hook_block(hook_id: str, entry: str, *extra: str) -> str:
    lines = [
        "  - repo: local",
        "    hooks:",
        f"      - id: {hook_id}",
        f"        name: {hook_id.replace('-', ' ').capitalize()}",
        f"        entry: {entry}",
        "        language: system",
        "        pass_filenames: false",
        "        stages: [pre-push]",
        *(f"        {line}" for line in extra),
    ]
    return "\n".join(lines) + "\n"


def _class5() -> list[Mutation]:
    config = ".pre-commit-config.yaml"
    return [
        _m(
            "5",
            "config",
            "config: a `cd tests/deployment && pytest test_network_policies.py` hook added",
            append(
                config,
                _hook_block(
                    "network-policies-from-dir",
                    "bash -c 'cd tests/deployment && pytest test_network_policies.py -q'",
                    "always_run: true",
                ),
            ),
        ),
        _m(
            "5",
            "config",
            "config: a `cd tests/deployment && pytest test_service_accounts.py` hook added",
            append(
                config,
                _hook_block(
                    "service-accounts-from-dir",
                    "bash -c 'cd tests/deployment && pytest test_service_accounts.py -v'",
                    "files: '^(deployments/|\\.pre-commit-config\\.yaml$)'",
                ),
            ),
        ),
    ]


def triggering_test_files(root: Path) -> list[str]:
    """Test files that pytest hooks run AND whose own ``files:`` filter matches them: mutating
    these makes pre-commit run the hook, so a broken test shows."""
    from infra import project
    from infra.pytestcfg import target_path

    out: set[str] = set()
    for session in project.load(root).plan.sessions:
        for member in session.members:
            call = member.classified.pytest
            for target in call.targets if call else ():
                path = target_path(target)
                if path.endswith(".py") and re.search(member.hook.files, path):
                    out.add(path)
    return sorted(out)


def ordinary(root: Path) -> list[Mutation]:
    tests = [m for f in triggering_test_files(root) for m in python_mutations(root, f, "test", 3)]
    return [
        *python_mutations(root, "src/**/*.py", "src", 8),
        *_spread(tests, 14),
        *python_mutations(root, "tests/conftest.py", "conftest", 2),
        *data_mutations(root, "deployments/[!g]*/**/*.yaml", "deployments", 6),
        *data_mutations(root, "docs/**/*.mdx", "docs", 4),
        *structural_mutations(root),
    ]


def catalogue(root: Path) -> list[Mutation]:
    """Every mutation of the example at ``root``, classes first."""
    plain = ordinary(root)
    return [*_class1(), *_subdir(), *_class3(), *_class4(root, plain), *_class5(), *plain]
