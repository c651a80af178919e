"""The `regiongraf` command line (cli/main.py). Click speaks Norwegian from the first import on."""

from cli.norsk import install

install()
