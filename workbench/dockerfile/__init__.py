"""The Dockerfile model: one parse that outline, diagnostics and step mapping share."""

from workbench.dockerfile.parse import Document, Instruction, parse

__all__ = ["Document", "Instruction", "parse"]
