"""`make demo`: Nudge with the sandbox stores, simulated shoppers and the sandbox SendGrid.

`python -m sandbox.demo --help` lists the options; the modules: `environment` (files, ports,
the processes' environment), `processes` (web, workers, clock), `install` (the real install
flows), `merchant` (recipes, settings, the storefront snippet, login links), `launcher` (all of
it in order, and the clean stop).
"""
