"""From a request to what the wire renders: the agent's turn, its token counts and its cache usage.

Pure apart from the :class:`PromptCache` it is handed, which the emulator keeps per scenario run.
A request without tools, output format, thinking or cache markers gets exactly the default
responder's reply, so plain chat answers (and their cassettes) stay as they were.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from . import agent, usage
from .responder import count_prompt_tokens, reply_for, tokenize
from .wire import openai
from .wire._common import Exchange, WireCall
from .wire.responses import ResponsesTurn
from .wire.tool_calls import anthropic_tool_id, completion_tokens, openai_call_id, signature


def _call_id(provider: str, model: str, seed: str, index: int) -> str:
    # OpenRouter passes the upstream's ids through: Anthropic models keep their toolu_ ids.
    if provider == "anthropic" or (provider == "openrouter" and model.startswith("anthropic/")):
        return anthropic_tool_id(seed, index)
    return openai_call_id(seed, index)


def chat_exchange(
    provider: str, seed: str, body: dict[str, Any], path: str, cache: usage.PromptCache
) -> Exchange:
    """A chat completions (OpenAI, OpenRouter) or messages (Anthropic) turn.

    Raises :class:`~llm_cassettes.synthetic.arguments.UnsatisfiableSchema` for a tool or output
    schema no value satisfies.
    """
    conversation = agent.from_messages(body) if provider == "anthropic" else agent.from_chat(body)
    turn = agent.plan(conversation)
    model = str(body.get("model") or "")
    prompt = count_prompt_tokens(body) + usage.tool_tokens(body)
    reply = reply_for(turn.text, body, prompt_tokens=prompt)
    calls = tuple(
        WireCall(_call_id(provider, model, seed, i), call.name, call.arguments)
        for i, call in enumerate(turn.calls)
    )
    reasoning = 0 if provider == "anthropic" else usage.reasoning_tokens(model, conversation.reasoning_effort)
    thinking = len(tokenize(turn.thinking)) if turn.thinking else 0
    reply = replace(
        reply, completion_tokens=reply.completion_tokens + completion_tokens(calls) + reasoning + thinking
    )
    stream_options = body.get("stream_options")
    fields: dict[str, Any] = {}
    if provider == "anthropic":
        cached = cache.anthropic(body, prompt)
        fields = {
            "cache_read": cached.cache_read,
            "cache_creation_5m": cached.cache_creation_5m,
            "cache_creation_1h": cached.cache_creation_1h,
        }
    else:
        fields = {"cached_tokens": cache.openai(body, prompt)}
    return Exchange(
        seed=seed,
        model=model,
        stream=bool(body.get("stream")),
        include_usage=isinstance(stream_options, dict) and bool(stream_options.get("include_usage")),
        reply=reply,
        path=path,
        calls=calls,
        thinking=turn.thinking,
        signature=signature(seed) if turn.thinking else "",
        reasoning_tokens=reasoning,
        request=body,
        **fields,
    )


def responses_turn(seed: str, body: dict[str, Any], cache: usage.PromptCache) -> ResponsesTurn:
    """A Responses API turn (POST /v1/responses)."""
    conversation = agent.from_responses(body)
    turn = agent.plan(conversation)
    model = str(body.get("model") or "")
    prompt = count_prompt_tokens({"messages": list(conversation.messages)}) + usage.tool_tokens(body)
    reply = reply_for(turn.text, body, prompt_tokens=prompt)
    calls = tuple(WireCall(openai_call_id(seed, i), c.name, c.arguments) for i, c in enumerate(turn.calls))
    reasoning = usage.reasoning_tokens(model, conversation.reasoning_effort)
    return ResponsesTurn(
        seed=seed,
        model=openai.response_model(model),
        request=body,
        pieces=reply.pieces if reply.text or not calls else (),
        calls=calls,
        input_tokens=prompt,
        output_tokens=reply.completion_tokens + completion_tokens(calls) + reasoning,
        cached_tokens=cache.openai(body, prompt),
        reasoning_tokens=reasoning,
        reasoning_model=usage.is_reasoning_model(model),
        cut=reply.finish == "length",
    )
