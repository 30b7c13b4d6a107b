"""The containers panel and the console that shows a running container\x27s output."""
