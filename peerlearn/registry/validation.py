"""Turning the problems plugins report into a refusal or warnings."""

from __future__ import annotations

from ..errors import ValidationError
from ..models import Problem
from .store import Registry


def enforce(registry: Registry, problems: list[Problem], subject: str) -> None:
    """Raise ValidationError for the errors; keep warnings on the registry."""
    errors = [problem.message for problem in problems if problem.severity == "error"]
    registry.warnings.extend(f"{subject}: {problem.message}" for problem in problems if problem.severity == "warning")
    if errors:
        raise ValidationError(f"{subject}: {'; '.join(errors)}")
