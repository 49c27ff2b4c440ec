"""Chat model from settings (none | openai | ollama | mistral) through LangChain, imported lazily."""

from __future__ import annotations

from typing import Any

from assistant.config import LLMSettings
from assistant.errors import ConfigurationError

_PACKAGES = {"openai": "langchain-openai", "ollama": "langchain-ollama", "mistral": "langchain-mistralai"}


def create_chat_model(settings: LLMSettings) -> Any | None:
    """A LangChain chat model, or None when no LLM is configured."""
    if settings.provider == "none":
        return None
    try:
        if settings.provider == "openai":
            from langchain_openai import ChatOpenAI

            # streaming=True: with False, this LangChain version turns .stream() into one blocking call.
            # Self-hosted OpenAI-compatible servers (llama.cpp, older vLLM) read only the classic max_tokens.
            extra = {"max_tokens": settings.max_tokens} if settings.base_url else None
            return ChatOpenAI(model=settings.model, base_url=settings.base_url, api_key=settings.api_key,
                              timeout=settings.timeout_s, max_retries=0, temperature=settings.temperature,
                              max_completion_tokens=settings.max_tokens, streaming=True, extra_body=extra)
        if settings.provider == "ollama":
            from langchain_ollama import ChatOllama

            return ChatOllama(model=settings.model, base_url=settings.base_url or "http://127.0.0.1:11434",
                              temperature=settings.temperature, num_predict=settings.max_tokens,
                              client_kwargs={"timeout": settings.timeout_s})
        from langchain_mistralai import ChatMistralAI

        return ChatMistralAI(  # type: ignore[call-arg]
            model_name=settings.model, api_key=settings.api_key, endpoint=settings.base_url
                             or "https://api.mistral.ai/v1", timeout=int(settings.timeout_s), max_retries=0,
                             temperature=settings.temperature, max_tokens=settings.max_tokens)
    except ImportError as exc:
        raise ConfigurationError(
            f"LLM provider '{settings.provider}' needs: pip install {_PACKAGES[settings.provider]}") from exc
