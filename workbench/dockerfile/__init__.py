"""The Dockerfile model: one parse that outline, diagnostics and step mapping share."""

from workbench.dockerfile.diagnose import Diagnostic, Fix, Severity, apply_fix, blocking, diagnose
from workbench.dockerfile.parse import Document, Instruction, Stage, Variable, parse

__all__ = ["Diagnostic", "Document", "Fix", "Instruction", "Severity", "Stage", "Variable",
           "apply_fix", "blocking", "diagnose", "parse"]
