"""The migrations live at the top level (alembic/) and install inside the
package as magnum_lite.migrations, where magnum_lite/db/migration.py finds
them; setup.cfg holds everything else."""
import setuptools

setuptools.setup(
    packages=setuptools.find_packages(include=["magnum_lite*"]) + [
        "magnum_lite.migrations", "magnum_lite.migrations.versions"],
    package_dir={"magnum_lite.migrations": "alembic"},
    package_data={"magnum_lite.migrations": ["script.py.mako"]},
)
