"""Import or export the whole asset bundle (runs in Superset's own virtual environment).

Usage: ``python assets_io.py import DIR`` or ``python assets_io.py export DIR`` with
SUPERSET_CONFIG_PATH and CITYBRAIN_SUPERSET_ADMIN_USER set. Import uses Superset's
ImportAssetsCommand, which overwrites every object by uuid (``superset import-dashboards``
would keep stale charts and datasets); export writes ExportAssetsCommand's files as they are,
for ``dashboards.bundle`` to normalise.
"""

import os
import sys
from pathlib import Path

from superset.app import create_app


def read_contents(directory: Path) -> dict[str, str]:
    return {
        str(path.relative_to(directory)): path.read_text(encoding="utf-8")
        for path in sorted(directory.rglob("*.yaml"))
    }


def main(action: str, directory: Path) -> None:
    app = create_app()
    with app.app_context():
        from superset import security_manager
        from superset.utils.core import override_user

        user = security_manager.find_user(username=os.environ["CITYBRAIN_SUPERSET_ADMIN_USER"])
        if user is None:
            raise SystemExit("the admin user does not exist: run `citybrain superset init`")
        with override_user(user):
            if action == "import":
                from superset.commands.importers.v1.assets import ImportAssetsCommand

                contents = read_contents(directory)
                ImportAssetsCommand(contents).run()
                print(f"imported {len(contents)} files")
            elif action == "export":
                from superset.commands.export.assets import ExportAssetsCommand

                count = 0
                for name, content in ExportAssetsCommand().run():
                    path = directory / name
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(content(), encoding="utf-8")
                    count += 1
                print(f"exported {count} files")
            else:
                raise SystemExit(f"unknown action {action!r}: import or export")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
