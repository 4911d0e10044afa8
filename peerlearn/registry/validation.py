"""Turning the problems plugins report into a refusal or warnings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from ..models import Problem
    from .store import Registry


def enforce(registry: Registry, problems: list[Problem], subject: str) -> None:
    """Raise ValidationError for the errors; keep warnings on the registry (each once per transaction)."""
    errors = [problem.message for problem in problems if problem.severity == "error"]
    for problem in problems:
        warning = f"{subject}: {problem.message}"
        if problem.severity == "warning" and warning not in registry.warnings:
            registry.warnings.append(warning)
    if errors:
        raise ValidationError(f"{subject}: {'; '.join(errors)}")
