"""`python -m binderd`: the same entry point as the `binderd` console script."""

from binderd.app import main

main()
