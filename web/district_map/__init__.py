"""The district map page and which of its layers each visitor sees."""
