"""The shopper simulator: seeds sandbox stores and drives realistic, deterministic traffic.

Used by `make demo`, the tests and the benchmarks; `python -m sandbox.simulator --help` runs it
from the command line. See README.md beside this file.
"""

from sandbox.simulator.catalog import ProductSpec, build_catalog
from sandbox.simulator.clock import SimClock
from sandbox.simulator.config import ConfigError, Rates, SimulatorConfig
from sandbox.simulator.people import CustomerSpec, build_customers
from sandbox.simulator.plan import Planner, Visit
from sandbox.simulator.report import RunReport, SeedReport
from sandbox.simulator.runner import Simulator

__all__ = [
    "ConfigError",
    "CustomerSpec",
    "Planner",
    "ProductSpec",
    "Rates",
    "RunReport",
    "SeedReport",
    "SimClock",
    "Simulator",
    "SimulatorConfig",
    "Visit",
    "build_catalog",
    "build_customers",
]
