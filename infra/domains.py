"""The domain session of a hook that is not pytest: read from the hook by a keyword table (pure).

``plan.py`` places hooks; this is its fourth rule on its own, kept apart because the table was
most of that module and is the part a team tunes. Tests under ``tests/<dir>/`` give ``<dir>``;
else the hook's id, ``files`` filter, script path, test paths and tool are matched, in that
order, against ``DOMAINS`` (the first text that mentions a word of a domain decides).
"""

from __future__ import annotations

from infra.classify import Classified
from infra.config import Hook
from infra.pytestcfg import target_path

DOMAINS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("types", ("mypy", "pyright", "pytype", "typecheck", "type-check")),
    ("security", ("bandit", "gitleaks", "private-key", "secret", "trivy", "security", "credential")),
    (
        "deployment",
        (
            "deploy",
            "helm",
            "kube",
            "k8s",
            "kustomiz",
            "terraform",
            "docker",
            "compose",
            "network-polic",
            "serviceaccount",
            "service-account",
            "service_account",
            "gke",
            "overlay",
            "keycloak",
            "redis",
            "cors",
        ),
    ),
    ("ci", ("workflow", ".github", "github-action", "actionlint", "pre-push", "git/hooks")),
    (
        "docs",
        (
            "doc",
            "mdx",
            "markdown",
            r"\.md",
            "adr",
            "mermaid",
            "link",
            "frontmatter",
            "mintlify",
            "readme",
            "navigation",
            "code-block",
            "codeblock",
        ),
    ),
    ("api", ("api", "schema")),
    ("deps", ("lock", "dependenc", "requirements")),
    (
        "meta",
        (
            "fixture",
            "pytest",
            "sleep",
            "marker",
            "e2e",
            "coverage",
            "isolation",
            "mock",
            "time-bomb",
            "time_bomb",
            "dead-test",
            "test-id",
            "test_id",
            "memory",
            "meta",
            "regression",
            "tests/",
        ),
    ),
    (
        "lint",
        (
            "whitespace",
            "end-of-file",
            "yaml",
            "json",
            "toml",
            "line-ending",
            "merge-conflict",
            "large-file",
            "black",
            "isort",
            "flake8",
            "ruff",
            "shellcheck",
            "format",
            "lint",
            "shell",
        ),
    ),
)
_DOMAIN_WORDS = tuple((domain, tuple(w.replace("\\", "") for w in words)) for domain, words in DOMAINS)


def domain_of(hook: Hook, classified: Classified) -> tuple[str, str]:
    """(domain, reason) from the keyword table."""
    if classified.pytest is not None:
        for target in classified.pytest.targets:
            parts = target_path(target).split("/")
            if len(parts) >= 3 and parts[0] == "tests":
                return parts[1], f"tests under tests/{parts[1]}/"
    haystacks = [("id", hook.id), ("files filter", hook.files)]
    if classified.script:
        haystacks.append(("script path", classified.script))
    if classified.pytest is not None:
        haystacks.append(("test path", " ".join(classified.pytest.targets)))
    if classified.tool:
        haystacks.append(("tool", classified.tool))
    for where, text in haystacks:
        lowered = text.lower()
        for domain, words in _DOMAIN_WORDS:
            for word in words:
                if word in lowered:  # the table's regexes are literal text (`\.md` is ".md")
                    return domain, f"{where} mentions {word!r}"
    return "misc", "no domain keyword matched"
