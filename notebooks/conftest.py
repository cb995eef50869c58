"""The notebooks run under nbval from their .ipynb files. Their paired jupytext sources
(notebooks/<name>.py) are the same cells as plain Python: `--doctest-modules` would import each
one, which runs the whole notebook from the wrong working directory, so they are not collected.
tests/test_notebook_sources.py checks that each source matches its notebook."""

collect_ignore_glob = ["*.py"]
