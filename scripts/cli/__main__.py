"""`python -m scripts.cli`: the same CLI as the `durable-deploy` console script."""

from scripts.cli.main import main

main()
