"""msp-analysis: public adult social care returns -> Market Sustainability Plan evidence."""

__version__ = "0.1.0"
