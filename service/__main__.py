"""Run the command line as `python -m service`."""

from service.cli import main

main()
