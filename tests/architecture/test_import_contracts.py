"""The import contracts (pyproject.toml, ``[tool.importlinter]``) hold, and they can fail.

``make lint`` runs ``lint-imports``; these tests run it too, so the suite guards the
contracts as well: the layers (config > workflows > casework > eligibility), eligibility's
rules free of Django, and each feature's views imported only within the feature (its
``views-*`` contracts). No database: the import graph is read from the source, in well
under a second.
"""

import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROOT_PACKAGES = ["config", "workflows", "casework", "eligibility"]
# lint-imports as the console script runs it, from this interpreter (the project's venv)
LINT_IMPORTS = [sys.executable, "-c",
                "import sys; from importlinter.cli import lint_imports_command; "
                "sys.exit(lint_imports_command())"]


def lint_imports(*args: str) -> subprocess.CompletedProcess:
    # the working directory puts the project's packages on the path; no cache written
    return subprocess.run([*LINT_IMPORTS, "--no-cache", "--no-logo", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def contracts() -> list[dict]:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["tool"]["importlinter"]["contracts"]


def test_the_import_contracts_hold():
    run = lint_imports()
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_a_broken_contract_fails_lint_imports(tmp_path):
    """Two contracts that the code breaks today: the layers upside down (casework imports
    eligibility), and casework's models protected from everything outside casework
    (workflows imports them). lint-imports exits 1 and names both."""
    config = tmp_path / "contracts.toml"
    config.write_text(textwrap.dedent(f"""\
        [tool.importlinter]
        root_packages = {ROOT_PACKAGES!r}

        [[tool.importlinter.contracts]]
        name = "upside-down layers"
        type = "layers"
        layers = ["eligibility", "casework"]

        [[tool.importlinter.contracts]]
        name = "casework models kept inside casework"
        type = "protected"
        protected_modules = ["casework.models"]
        allowed_importers = ["casework"]
    """))
    run = lint_imports(str(config))
    assert run.returncode == 1, run.stdout + run.stderr
    assert "upside-down layers BROKEN" in run.stdout
    assert "casework models kept inside casework BROKEN" in run.stdout
    assert "casework." in run.stdout and "-> eligibility." in run.stdout
    assert "-> casework.models" in run.stdout


def test_every_views_module_of_workflows_has_a_views_contract():
    """A new views module (views.py, *_views.py, a package's DRF api.py) is covered by a
    ``views-*`` contract: a new feature gets its contract with its first view."""
    import grimp

    graph = grimp.build_graph(*ROOT_PACKAGES, cache_dir=None)
    views = {
        module for module in graph.modules
        if module.startswith("workflows.") and (
            module.endswith(".views") or module.endswith("_views")
            or (module.endswith(".api") and module.count(".") == 2))
    }
    protected = {module for contract in contracts() if contract["id"].startswith("views-")
                 for module in contract["protected_modules"]}
    assert views, "no views modules found: the graph was not built from the source"
    assert not views - protected, f"views modules without a views-* contract: {views - protected}"


def test_casework_may_not_import_the_workflow_engine():
    contract = next(c for c in contracts() if c["id"] == "casework-no-viewflow")
    assert contract["type"] == "forbidden"
    assert {"casework", "eligibility"} <= set(contract["source_modules"])
    assert contract["forbidden_modules"] == ["viewflow"]
