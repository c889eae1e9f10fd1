"""xinyong (信用): a public credit information platform for Chinese cities."""

__version__ = "0.1.0"
