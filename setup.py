"""Installs the repository's four top-level folders under one namespace, `trinn`.

The repository keeps engine/, tui/, notifiers/ and playbooks/ at its top (the
product's layout); an install puts them at trinn/engine, trinn/tui, ... so that
generic names never collide with other packages in a user's environment.
Packages and their data files are discovered, never listed by hand: a package
left out of a hand-written list once broke `trinn lint` in the wheel.
"""

from setuptools import find_namespace_packages, setup

FOLDERS = ("engine", "tui", "notifiers", "playbooks")
# data the code reads at run time: playbooks, catalogues, the app's styles, alembic's template,
# the web forms' templates and style sheet, the words of `trinn new`'s playbook
DATA = ["*.yaml", "*.po", "*.mo", "*.tcss", "*.mako", "*.html", "*.css", "*.json"]


def _packages() -> list[str]:
    found: list[str] = []
    for folder in FOLDERS:
        subpackages = find_namespace_packages(folder, exclude=["*__pycache__*"])
        found += [f"trinn.{folder}", *(f"trinn.{folder}.{name}" for name in subpackages)]
    return found


setup(
    packages=_packages(),
    package_dir={f"trinn.{folder}": folder for folder in FOLDERS},
    package_data={"": DATA},
)
