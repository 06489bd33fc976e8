"""The endpoints the emulator serves, and the success answer of each.

Chat completions (OpenAI, OpenRouter), messages and count_tokens (Anthropic), the Responses API,
embeddings and the model catalogues (OpenAI's and, for clients that send Anthropic's headers,
Anthropic's: both live at GET /v1/models). Anything else is unknown: the emulator answers it with the
provider's own 404 and logs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from types import ModuleType
from typing import Any

from . import turns
from .responder import count_prompt_tokens
from .usage import PromptCache, tool_tokens
from .wire import _common as common
from .wire import anthropic, openai, openrouter, responses
from .wire import embeddings as catalogue
from .wire._common import Exchange, WireResponse


@dataclass(frozen=True)
class Route:
    provider: ModuleType  # the wire module whose shapes (errors included) the answer takes
    endpoint: str  # chat | messages | count_tokens | responses | embeddings | models | model
    model_id: str = ""  # GET /v1/models/{model_id}


def route(method: str, path: str, headers: dict[str, str]) -> Route | None:
    """The endpoint this request is for, or None for a path the providers do not serve."""
    bare = path.split("?", 1)[0].rstrip("/")
    if method == "POST":
        posts = {
            openai.PATH: (openai, "chat"),
            openrouter.PATH: (openrouter, "chat"),
            anthropic.PATH: (anthropic, "messages"),
            catalogue.COUNT_TOKENS_PATH: (anthropic, "count_tokens"),
            responses.PATH: (openai, "responses"),
            catalogue.EMBEDDINGS_PATH: (openai, "embeddings"),
        }
        found = posts.get(bare)
        return Route(*found) if found else None
    if method == "GET" and (bare == catalogue.MODELS_PATH or bare.startswith(catalogue.MODELS_PATH + "/")):
        # Both providers serve /v1/models; Anthropic's clients say who they are in their headers.
        provider = anthropic if "anthropic-version" in headers or "x-api-key" in headers else openai
        model_id = bare[len(catalogue.MODELS_PATH) + 1 :]
        return Route(provider, "model" if model_id else "models", model_id)
    return None


def prompt_tokens(route: Route, body: dict[str, Any]) -> int:
    """What the request's prompt counts, for context-window checks."""
    if route.endpoint in ("chat", "messages", "count_tokens"):
        return count_prompt_tokens(body) + tool_tokens(body)
    if route.endpoint == "responses":
        items = body.get("input")
        text = items if isinstance(items, str) else str(items or "")
        return count_prompt_tokens({"messages": [{"role": "user", "content": text}]}) + tool_tokens(body)
    return 0


class Answer:
    """The success of one routed request, worked out on first use (an error step never needs it)."""

    def __init__(self, route: Route, seed: str, body: dict[str, Any], path: str, cache: PromptCache) -> None:
        self.route = route
        self.seed = seed
        self.body = body
        self.path = path
        self.cache = cache

    @property
    def stub(self) -> Exchange:
        """Enough of an exchange for error responses: ids and the model."""
        return Exchange(seed=self.seed, model=str(self.body.get("model") or ""), path=self.path)

    @cached_property
    def streaming(self) -> bool:
        return bool(self.body.get("stream")) and self.route.endpoint in ("chat", "messages", "responses")

    @cached_property
    def exchange(self) -> Exchange:
        return turns.chat_exchange(self.route.provider.NAME, self.seed, self.body, self.path, self.cache)

    @cached_property
    def turn(self) -> responses.ResponsesTurn:
        return turns.responses_turn(self.seed, self.body, self.cache)

    def success(self) -> WireResponse:
        endpoint, provider = self.route.endpoint, self.route.provider
        if endpoint in ("chat", "messages"):
            exchange = self.exchange
            return (
                provider.stream_response(exchange) if exchange.stream else provider.success_response(exchange)
            )
        if endpoint == "responses":
            headers = openai.success_headers(self.stub, stream=self.streaming)
            if self.streaming:
                return common.streamed(headers, responses.stream_chunks(self.turn))
            return WireResponse(200, "OK", tuple(headers), (responses.body(self.turn),))
        if endpoint == "count_tokens":
            body = catalogue.count_tokens_body(count_prompt_tokens(self.body) + tool_tokens(self.body))
            return WireResponse(200, "OK", tuple(anthropic.success_headers(self.stub)), (body,))
        if endpoint == "embeddings":
            return self._embeddings()
        return self._catalogue()

    def midstream(self) -> WireResponse:
        """A 200 that breaks off with the provider's in-stream error (a plain 5xx when not streaming)."""
        if self.route.endpoint in ("chat", "messages"):
            return self.route.provider.midstream_error_response(self.exchange)
        if not self.streaming:
            return self.route.provider.error_response("server_error", self.stub)
        chunks = responses.stream_chunks(self.turn)[:4]
        error = {
            "type": "error",
            "code": "server_error",
            "message": "The server had an error while processing your request. Sorry about that!",
            "param": None,
            "sequence_number": len(chunks),
        }
        chunks.append(b"event: error\ndata: " + common.compact_json(error) + b"\n\n")
        return common.streamed(openai.success_headers(self.stub, stream=True), chunks)

    def _embeddings(self) -> WireResponse:
        model = str(self.body.get("model"))
        if model not in catalogue.DIMENSIONS:
            return openai.error_response("model_not_found", self.stub)
        size = self.body.get("dimensions") or catalogue.DIMENSIONS[model]
        inputs = catalogue.inputs_of(self.body.get("input")) or []
        encoding = self.body.get("encoding_format") or "float"
        body = catalogue.embeddings_body(model, inputs, encoding=encoding, dimensions=int(size))
        return WireResponse(200, "OK", tuple(openai.success_headers(self.stub)), (body,))

    def _catalogue(self) -> WireResponse:
        provider, model_id = self.route.provider, self.route.model_id
        if provider is anthropic:
            if not model_id:
                body = catalogue.anthropic_models_body()
            else:
                known = {m[0]: m for m in catalogue.ANTHROPIC_MODELS}
                found = known.get(anthropic.response_model(model_id))
                if found is None:
                    return anthropic.error_response(
                        "model_not_found", Exchange(seed=self.seed, model=model_id)
                    )
                body = common.compact_json(
                    {"type": "model", "id": found[0], "display_name": found[1], "created_at": found[2]}
                )
            return WireResponse(200, "OK", tuple(anthropic.success_headers(self.stub)), (body,))
        if not model_id:
            body = catalogue.openai_models_body()
        else:
            single = catalogue.openai_model_body(model_id)
            if single is None:
                return openai.error_response("model_not_found", Exchange(seed=self.seed, model=model_id))
            body = single
        return WireResponse(200, "OK", tuple(openai.success_headers(self.stub)), (body,))
