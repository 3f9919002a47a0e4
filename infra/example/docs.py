"""The example's documentation: MDX pages, their navigation, ADRs mirrored into docs, README.

Generated from one table of ADRs and one of pages so that every cross-reference the example's
validators check (navigation, ADR mirrors, ADR count, index, links, anchors) agrees by construction.
"""

from __future__ import annotations

import json
from typing import NamedTuple


class Adr(NamedTuple):
    number: int
    slug: str
    title: str
    decision: str

    @property
    def stem(self) -> str:
        return f"{self.number:04d}-{self.slug}"

    @property
    def heading(self) -> str:
        return f"ADR-{self.number:04d}: {self.title}"


ADRS = (
    Adr(
        1,
        "use-redis-for-sessions",
        "Use Redis for sessions and the L2 cache",
        "Sessions and the shared cache live in one password-protected Redis.",
    ),
    Adr(
        2,
        "kustomize-overlays-per-environment",
        "Kustomize overlays per environment",
        "Each environment is an overlay of deployments/base; no copy-pasted manifests.",
    ),
    Adr(
        3,
        "explicit-authorization-checks",
        "Grant access only on an explicit True",
        "The admin guard treats anything but `True` from the authorizer as a denial.",
    ),
    Adr(
        4,
        "decimal-money",
        "Money is Decimal, rounded half up",
        "Prices and totals are `Decimal` and are rounded to cents with ROUND_HALF_UP.",
    ),
)

PAGES: dict[str, tuple[str, str, str]] = {
    # page: (title, description, body)
    "index": (
        "Shopfront",
        "The storefront API: carts, orders, caching and authorization.",
        """\
# Shopfront

Shopfront serves the catalogue, carts and orders. Start with the [quickstart](./guides/quickstart),
then read the [architecture overview](/architecture/overview).

<Note>
Every page here is checked on push: links, navigation, frontmatter and diagrams.
</Note>
""",
    ),
    "guides/quickstart": (
        "Quickstart",
        "Run shopfront locally in five minutes.",
        """\
# Quickstart

## Install

```bash
python -m pip install --group test -e .
python -m pytest
```

Next, [configure](./configuration) the service and read how we [roll out](/guides/deployment#rolling-out).
""",
    ),
    "guides/configuration": (
        "Configuration",
        "Settings keys, defaults and validation rules.",
        """\
# Configuration

```yaml
environment: development
redis_url: redis://localhost:6379/0
authz_store_id: store-dev
```

<Warning>
Production refuses to start without `redis_password`; see [ADR-0001](/architecture/adr-0001-use-redis-for-sessions).
</Warning>

Authorization rules are in [ADR-0003](../architecture/adr-0003-explicit-authorization-checks).
""",
    ),
    "guides/deployment": (
        "Deployment",
        "Overlays, the Helm chart and how a release rolls out.",
        """\
# Deployment

{/* Overlays are described in ADR-0002. */}

## Overlays

Each environment is a kustomize overlay of `deployments/base` ([why](/architecture/adr-0002-kustomize-overlays-per-environment)).

## Rolling out

```bash
scripts/ops/rollout.sh deployments/overlays/staging
```
""",
    ),
    "guides/caching": (
        "Caching",
        "Cache keys, TTLs and the two cache levels.",
        """\
# Caching

```python
from shopfront.core.cache import cache_key

key = cache_key("cart", user_id)
```

The shared level is Redis ([ADR-0001](/architecture/adr-0001-use-redis-for-sessions)).
""",
    ),
    "guides/authorization": (
        "Authorization",
        "The admin guard and service principals.",
        """\
# Authorization

```python
await require_admin(user_id, authz)
```

<Note>
Test doubles must configure `check.return_value`: an unconfigured `AsyncMock` answers with a truthy mock.
</Note>
""",
    ),
    "api/orders": (
        "Orders API",
        "Order responses and their fields.",
        """\
# Orders API

```json
{"id": "o-1", "status": "paid", "total": "12.50", "currency": "EUR", "created": "2024-05-01T12:30:00+00:00"}
```

Totals follow [ADR-0004](/architecture/adr-0004-decimal-money).
""",
    ),
    "api/api-keys": (
        "API keys",
        "Creating API keys; the response always includes created.",
        """\
# API keys

```json
{"key_id": "k-1", "name": "ci", "created": "2024-05-01T12:30:00+00:00", "expires": null}
```
""",
    ),
}

OVERVIEW_DIAGRAM = """\
```mermaid
flowchart LR
    client[Browser] --> gateway[Gateway]
    gateway --> api[API]
    api --> redis[(Redis)]
    api --> qdrant[(Qdrant)]
    classDef edge fill:#8dd3c7,stroke:#333
    classDef core fill:#bebada,stroke:#333
    classDef store fill:#fdb462,stroke:#333
    class client,gateway edge
    class api core
    class redis,qdrant store
```
"""


def _page(title: str, description: str, body: str) -> str:
    return f'---\ntitle: "{title}"\ndescription: "{description}"\n---\n\n{body}'


def _adr_text(adr: Adr) -> str:
    return (
        f"# {adr.heading}\n\nStatus: Accepted\n\n## Context\n\nSee the [overview](../docs/architecture/overview.mdx).\n\n"
        f"## Decision\n\n{adr.decision}\n\n## Consequences\n\nThe push-stage checks enforce this decision.\n"
    )


def _overview() -> str:
    links = "\n".join(f"- [{adr.heading}](./adr-{adr.stem})" for adr in ADRS)
    body = (
        f"# Architecture overview\n\n{OVERVIEW_DIAGRAM}\n"
        f"This service has {len(ADRS)} architecture decision records:\n\n{links}\n"
    )
    return _page("Architecture overview", "Components, data stores and the decisions behind them.", body)


def _navigation() -> dict[str, object]:
    groups = {
        "Get started": ["index", "guides/quickstart", "guides/configuration"],
        "Operations": ["guides/deployment", "guides/caching", "guides/authorization"],
        "Architecture": ["architecture/overview", *(f"architecture/adr-{adr.stem}" for adr in ADRS)],
        "API": ["api/orders", "api/api-keys"],
    }
    return {"name": "Shopfront", "navigation": [{"group": g, "pages": p} for g, p in groups.items()]}


def _readme() -> str:
    return (
        "# shopfront\n\n"
        "[![ci](https://github.com/example/shopfront/actions/workflows/ci.yml/badge.svg)]("
        "https://github.com/example/shopfront/actions/workflows/ci.yml)\n\n"
        "An example storefront service generated by `infra example create`: a repository of the\n"
        "same shape as a large service's, with dozens of pre-push hooks.\n\n"
        "- [Documentation](docs/index.mdx) and the [quickstart](docs/guides/quickstart.mdx)\n"
        "- [Architecture decision records](adr/README.md)\n\n"
        "```bash\npre-commit run --hook-stage pre-push --all-files\n```\n"
    )


def _adr_index() -> str:
    lines = "\n".join(f"- [{adr.heading}]({adr.stem}.md)" for adr in ADRS)
    return f"# Architecture decision records\n\n<!-- index:start -->\n{lines}\n<!-- index:end -->\n"


def files() -> dict[str, str]:
    """Every documentation file of the example, by path."""
    out = {f"docs/{page}.mdx": _page(*content) for page, content in PAGES.items()}
    out["docs/architecture/overview.mdx"] = _overview()
    for adr in ADRS:
        out[f"adr/{adr.stem}.md"] = _adr_text(adr)
        mirror = f"Mirrors [adr/{adr.stem}.md](../../adr/{adr.stem}.md).\n\n## Decision\n\n{adr.decision}\n"
        out[f"docs/architecture/adr-{adr.stem}.mdx"] = _page(adr.heading, adr.title, mirror)
    out["docs/docs.json"] = json.dumps(_navigation(), indent=2) + "\n"
    out["adr/README.md"] = _adr_index()
    out["README.md"] = _readme()
    return out
