"""Prompts are data: prompts/*.md loaded into strict templates that fail loudly on a missing variable."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.errors import ConfigurationError

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
_VARIABLE = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")


@dataclass(frozen=True)
class PromptTemplate:
    """A prompt with {{variables}}; rendering requires exactly those variables."""

    name: str
    text: str

    @property
    def variables(self) -> set[str]:
        """Names the template needs."""
        return set(_VARIABLE.findall(self.text))

    def render(self, **values: str) -> str:
        """Fill every variable; a missing or unexpected one is an error."""
        missing = self.variables - values.keys()
        extra = values.keys() - self.variables
        if missing or extra:
            raise ConfigurationError(f"prompt '{self.name}': missing {sorted(missing)}, unexpected {sorted(extra)}")
        return _VARIABLE.sub(lambda m: str(values[m.group(1)]), self.text)


@lru_cache(maxsize=32)
def load_prompt(name: str, directory: Path = PROMPTS_DIR) -> PromptTemplate:
    """Load prompts/<name>.md."""
    path = directory / f"{name}.md"
    if not path.exists():
        raise ConfigurationError(f"prompt file missing: {path}")
    return PromptTemplate(name, path.read_text(encoding="utf-8").strip())
