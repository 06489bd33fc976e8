"""Tool definitions shared by the emulator and integration tests of agent traffic."""

from __future__ import annotations

from typing import Any

MULTIPLY: dict[str, Any] = {
    "name": "multiply",
    "description": "Multiply two integers.",
    "parameters": {
        "type": "object",
        "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
        "additionalProperties": False,
    },
}
WEATHER: dict[str, Any] = {
    "name": "get_weather",
    "description": "Current weather in a city.",
    "parameters": {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
        },
        "required": ["city", "unit"],
        "additionalProperties": False,
    },
}
CAPITAL: dict[str, Any] = {
    "name": "get_capital",
    "description": "The capital of a country.",
    "parameters": {
        "type": "object",
        "properties": {"country": {"type": "string"}},
        "required": ["country"],
        "additionalProperties": False,
    },
}


def chat_tools(*tools: dict[str, Any]) -> list[dict[str, Any]]:
    """OpenAI chat completions tool definitions."""
    return [{"type": "function", "function": tool} for tool in tools]


def anthropic_tools(*tools: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"name": t["name"], "description": t["description"], "input_schema": t["parameters"]} for t in tools
    ]


def responses_tools(*tools: dict[str, Any]) -> list[dict[str, Any]]:
    """Responses API (flat) function tools; get_capital by default."""
    return [{"type": "function", "strict": True, **tool} for tool in (tools or (CAPITAL,))]
