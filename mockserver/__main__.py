"""`python -m mockserver` is `mockserver`."""

from mockserver.cli import main

main(prog_name="mockserver")
