"""MSP Section 1: market assessment indicators for any council, against England, its region and comparators."""

from msp_analysis.indicators.assess import all_indicators, assess
from msp_analysis.indicators.comparators import comparator_group
from msp_analysis.indicators.core import benchmark
from msp_analysis.indicators.markets import MARKETS
from msp_analysis.indicators.risk import load_thresholds, risk_results

__all__ = [
    "MARKETS",
    "all_indicators",
    "assess",
    "benchmark",
    "comparator_group",
    "load_thresholds",
    "risk_results",
]
