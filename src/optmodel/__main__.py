"""``python -m optmodel`` runs the command line."""

from optmodel.cli.main import run

run()
