"""Classic-builder builds: the request, the stream parser and the runner."""
