from __future__ import annotations

from infra.main import main

raise SystemExit(main())
