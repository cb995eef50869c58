"""Test-suite settings: hypothesis runs derandomized (the same examples on every machine and
every run), without an example database, so CI results are reproducible."""

from hypothesis import settings

settings.register_profile("decision_kit", derandomize=True, database=None, print_blob=True)
settings.load_profile("decision_kit")
