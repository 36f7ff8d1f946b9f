"""The Grafana dashboard (deploy/grafana/heatcloud.json) asks only for metrics and labels the app exports, so a
renamed metric or label cannot leave a panel silently empty (issue #13.6)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from prometheus_client import Counter, Histogram

from heat_platform.observability import metrics

DASHBOARD = Path(__file__).resolve().parents[2] / "deploy/grafana/heatcloud.json"
PROMQL_WORDS = {"sum", "by", "rate", "increase", "histogram_quantile", "topk", "le", "label_values"}


def _exported() -> dict[str, set[str]]:
    """Series name -> its label names, for every metric in heat_platform/observability/metrics.py."""
    series: dict[str, set[str]] = {}
    for value in vars(metrics).values():
        if isinstance(value, Counter):
            series[f"{value._name}_total"] = set(value._labelnames)
        elif isinstance(value, Histogram):
            for suffix in ("_bucket", "_count", "_sum"):
                series[value._name + suffix] = set(value._labelnames) | ({"le"} if suffix == "_bucket" else set())
    return series


def _queries(dashboard: dict) -> list[str]:
    found = [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]
    found += [variable["definition"] for variable in dashboard["templating"]["list"] if "definition" in variable]
    return found


def test_the_dashboard_is_importable_json_with_unique_panels():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["title"] and dashboard["schemaVersion"] >= 36
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert all(panel["datasource"]["uid"] == "${datasource}" for panel in dashboard["panels"] if "targets" in panel)


def test_every_query_uses_exported_series_and_their_labels():
    exported = _exported()
    assert "heatcloud_payment_notify_rejects_total" in exported  # the helper sees the module's metrics
    queries = _queries(json.loads(DASHBOARD.read_text()))
    assert len(queries) >= 10
    used = set()
    for query in queries:
        names = set(re.findall(r"\bheatcloud_[a-z_]+", query))
        assert names and names <= set(exported), (query, names - set(exported))
        used |= names
        labels = set(re.findall(r"\bby \(([^)]*)\)", query))
        labels = {label.strip() for group in labels for label in group.split(",")}
        labels |= set(re.findall(r"[{,]\s*([a-z_]+)\s*(?:=~|!=|=)", query))
        labels |= set(re.findall(r"label_values\(\w+, (\w+)\)", query))
        allowed = set.union(*(exported[name] for name in names))
        assert labels <= allowed, (query, labels - allowed)
    # every family appears on the dashboard
    families = {re.sub(r"_(total|bucket|count|sum)$", "", name) for name in exported}
    assert {re.sub(r"_(total|bucket|count|sum)$", "", name) for name in used} == families
