#!/usr/bin/env python
"""Django's command-line utility; `nonrecours` is the same with a nicer name."""

from nonrecours.cli import main

if __name__ == "__main__":
    main()
