"""The asset bundle in git: render it for Superset, import it, export it back.

``dashboards/assets/`` holds the database, datasets, charts and dashboards as
Superset's v1 YAML, linked by UUID only. What differs between installs is kept
out of it: the database URI names the published snapshot as
``@published_path@``, and the integer ids Superset assigns (datasource ids in
chart params and query contexts, chart ids in dashboard layouts, ids in file
names) are stripped or renumbered on export, so ``git diff`` after an export
shows only what someone changed.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import yaml

from dashboards.service import Superset

ASSETS_DIR = Path(__file__).with_name("assets")
IO_SCRIPT = Path(__file__).with_name("assets_io.py")
PUBLISHED_PLACEHOLDER = "@published_path@"
KINDS = ("databases", "datasets", "charts", "dashboards")
# written back by Superset's front end the first time a dashboard is viewed, from the data
FRONTEND_COLOR_STATE = ("color_scheme_domain", "shared_label_colors", "map_label_colors")


class BundleError(ValueError):
    """The bundle is inconsistent: the message lists every broken reference."""


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(data: dict) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def asset_files(assets_dir: Path) -> Iterator[tuple[str, Path]]:
    """(kind, path) of every asset YAML, in import order."""
    for kind in KINDS:
        for path in sorted((assets_dir / kind).rglob("*.yaml")):
            yield kind, path


def dashboard_chart_uuids(dashboard: dict) -> list[str]:
    """Chart UUIDs placed in a dashboard's layout, in layout order."""
    return [
        node["meta"]["uuid"]
        for node in dashboard.get("position", {}).values()
        if isinstance(node, dict) and node.get("type") == "CHART"
    ]


def check_references(assets_dir: Path = ASSETS_DIR) -> dict[str, int]:
    """Every UUID a file refers to exists, and no UUID is used twice; counts per kind."""
    uuids: dict[str, set[str]] = {kind: set() for kind in KINDS}
    loaded = [(kind, path, _load(path)) for kind, path in asset_files(assets_dir)]
    problems = []
    for kind, path, data in loaded:
        if data["uuid"] in set().union(*uuids.values()):
            problems.append(f"{path.name}: uuid {data['uuid']} used twice")
        uuids[kind].add(data["uuid"])
    for kind, path, data in loaded:
        wanted: list[tuple[str, str]] = []
        if kind == "datasets":
            wanted.append(("databases", data["database_uuid"]))
        elif kind == "charts":
            wanted.append(("datasets", data["dataset_uuid"]))
        elif kind == "dashboards":
            wanted += [("charts", u) for u in dashboard_chart_uuids(data)]
            for native in data.get("metadata", {}).get("native_filter_configuration", []):
                wanted += [
                    ("datasets", t["datasetUuid"])
                    for t in native.get("targets", [])
                    if "datasetUuid" in t  # a time filter targets no dataset
                ]
        problems += [
            f"{kind}/{path.name}: {target[:-1]} {ref} does not exist"
            for target, ref in wanted
            if ref not in uuids[target]
        ]
    if problems:
        raise BundleError("; ".join(problems))
    return {kind: len(found) for kind, found in uuids.items()}


def render(assets_dir: Path, out_dir: Path, *, published_path: Path) -> Path:
    """A copy of the bundle ready for Superset: the database URI names ``published_path``."""
    check_references(assets_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    shutil.copytree(assets_dir, out_dir)
    for path in (out_dir / "databases").glob("*.yaml"):
        path.write_text(
            path.read_text(encoding="utf-8").replace(PUBLISHED_PLACEHOLDER, str(published_path)),
            encoding="utf-8",
        )
    return out_dir


def _strip_datasource(params: dict) -> dict:
    return {k: v for k, v in params.items() if k != "datasource"}


def normalise(kind: str, data: dict, *, published_path: Path) -> dict:
    """Remove what is specific to one Superset install from an exported asset."""
    if kind == "databases":
        data["sqlalchemy_uri"] = data["sqlalchemy_uri"].replace(
            str(published_path), PUBLISHED_PLACEHOLDER
        )
    elif kind == "charts":
        data["params"] = _strip_datasource(data.get("params") or {})
        if data.get("query_context"):
            context = json.loads(data["query_context"])
            context.pop("datasource", None)
            if "form_data" in context:
                context["form_data"] = _strip_datasource(context["form_data"])
            for query in context.get("queries", []):
                query.pop("datasource", None)
            data["query_context"] = json.dumps(context, ensure_ascii=False, sort_keys=True)
    elif kind == "dashboards":
        charts = [
            node
            for node in data.get("position", {}).values()
            if isinstance(node, dict) and node.get("type") == "CHART"
        ]
        for number, node in enumerate(charts, start=1):
            node["meta"]["chartId"] = number  # the importer maps uuid → its own id
        metadata = data.get("metadata") or {}
        for key in FRONTEND_COLOR_STATE:
            metadata.pop(key, None)
        for native in metadata.get("native_filter_configuration", []):
            native["chartsInScope"] = []
            native["tabsInScope"] = []
    return data


def export_name(kind: str, exported: Path, data: dict, known: dict[str, Path]) -> Path:
    """Keep a file's name in git; a new asset takes its exported name without Superset's id.

    Superset drops non-ASCII letters from file names (a Chinese title leaves only the id), so
    a name without three ASCII letters becomes ``<kind>_<first 8 of its uuid>``.
    """
    if data["uuid"] in known:
        return known[data["uuid"]]
    stem = re.sub(r"_\d+$", "", exported.stem)
    if not re.search(r"[A-Za-z]{3}", stem):
        stem = f"{kind.removesuffix('s')}_{data['uuid'][:8]}"
    folder = Path(kind) / exported.parent.name if kind == "datasets" else Path(kind)
    return folder / f"{stem}.yaml"


def write_export(exported_dir: Path, assets_dir: Path, *, published_path: Path) -> list[str]:
    """Replace ``assets_dir`` with the normalised export in ``exported_dir``; return files."""
    known = {
        _load(path)["uuid"]: path.relative_to(assets_dir) for _, path in asset_files(assets_dir)
    }
    staged = assets_dir.with_name(assets_dir.name + ".export")
    if staged.exists():
        shutil.rmtree(staged)
    staged.mkdir()
    (staged / "metadata.yaml").write_text(_dump({"version": "1.0.0", "type": "assets"}))
    written = ["metadata.yaml"]
    for kind, path in asset_files(exported_dir):
        data = normalise(kind, _load(path), published_path=published_path)
        name = export_name(kind, path, data, known)
        target = staged / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_dump(data), encoding="utf-8")
        written.append(str(name))
    check_references(staged)
    shutil.rmtree(assets_dir)
    staged.rename(assets_dir)
    return sorted(written)


def import_bundle(
    superset: Superset, *, published_path: Path, assets_dir: Path = ASSETS_DIR
) -> str:
    """Import (overwrite by uuid) the bundle into ``superset``; idempotent."""
    with tempfile.TemporaryDirectory(prefix="citybrain-bundle-") as tmp:
        rendered = render(assets_dir, Path(tmp) / "bundle", published_path=published_path)
        return superset.python(
            str(IO_SCRIPT),
            "import",
            str(rendered),
            extra_env={"CITYBRAIN_SUPERSET_ADMIN_USER": superset.admin_user},
        )


def export_bundle(
    superset: Superset, *, published_path: Path, assets_dir: Path = ASSETS_DIR
) -> list[str]:
    """Export every asset of ``superset`` into ``assets_dir``, normalised for review."""
    with tempfile.TemporaryDirectory(prefix="citybrain-export-") as tmp:
        superset.python(
            str(IO_SCRIPT),
            "export",
            tmp,
            extra_env={"CITYBRAIN_SUPERSET_ADMIN_USER": superset.admin_user},
        )
        return write_export(Path(tmp), assets_dir, published_path=published_path)
