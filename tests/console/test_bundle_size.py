"""The console's first screen loads at most 300 KB of gzipped JavaScript: the entry chunk and every chunk it
imports statically (what the browser must fetch before anything shows), read from Vite's build manifest.
Pages, ECharts and ProComponents load lazily and do not count."""

from __future__ import annotations

import gzip
from pathlib import Path

from tests.factories.console import BUILD, bundle_manifest, initial_files

LIMIT = 300 * 1024


def test_initial_javascript_is_at_most_300_kb_gzipped():
    manifest = bundle_manifest()
    files = initial_files(manifest)
    sizes = {f: len(gzip.compress((BUILD / f).read_bytes(), compresslevel=9)) for f in files}
    total = sum(sizes.values())
    print(f"initial JS: {total / 1024:.1f} KB gzipped in {len(files)} files: "
          + ", ".join(f"{Path(f).name} {s / 1024:.1f} KB" for f, s in sorted(sizes.items(), key=lambda x: -x[1])))
    assert total <= LIMIT, f"initial JS is {total / 1024:.1f} KB gzipped (limit 300 KB): {sizes}"
    # Pages are split out: the entry must not have swallowed them.
    lazy = [c for c in manifest.values() if c.get("isDynamicEntry")]
    assert any("DashboardPage" in c["file"] for c in lazy)
    assert not any("DashboardPage" in f or "TenantsPage" in f for f in files)


def test_initial_files_follow_static_imports_only():
    manifest = {
        "index.html": {"file": "a.js", "isEntry": True, "imports": ["_b"], "dynamicImports": ["p.tsx"]},
        "_b": {"file": "b.js", "imports": ["_c"]},
        "_c": {"file": "c.js", "imports": ["_b"]},
        "p.tsx": {"file": "p.js", "isDynamicEntry": True, "imports": ["_b"]},
    }
    assert sorted(initial_files(manifest)) == ["a.js", "b.js", "c.js"]
