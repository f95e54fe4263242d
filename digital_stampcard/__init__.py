"""Digital Stampcard domain rules: pure Python, no I/O, the clock is always an argument."""
