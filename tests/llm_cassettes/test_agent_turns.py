"""The emulated model's turns: which tools it calls, with what arguments, and how it ends a loop."""

from __future__ import annotations

import json

import jsonschema
import pytest

from llm_cassettes.synthetic.agent import from_chat, from_messages, from_responses, plan
from llm_cassettes.synthetic.arguments import UnsatisfiableSchema

MULTIPLY = {
    "type": "object",
    "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
    "required": ["a", "b"],
}
WEATHER = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "unit": {"enum": ["celsius", "fahrenheit"]}},
    "required": ["city", "unit"],
    "additionalProperties": False,
}


def _openai_tools(*specs: tuple[str, dict]) -> list[dict]:
    return [
        {"type": "function", "function": {"name": n, "description": "", "parameters": p}} for n, p in specs
    ]


def _chat(prompt: str, **extra) -> dict:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": prompt}], **extra}


def test_auto_calls_the_tool_the_prompt_names_with_arguments_from_the_prompt() -> None:
    body = _chat("Use multiply to compute 1231 * 2331", tools=_openai_tools(("multiply", MULTIPLY)))
    turn = plan(from_chat(body))
    assert turn.text == ""
    assert [(c.name, c.arguments) for c in turn.calls] == [("multiply", {"a": 1231, "b": 2331})]
    assert turn.calls[0].arguments_json == '{"a":1231,"b":2331}'


def test_auto_without_a_matching_tool_answers_in_text() -> None:
    body = _chat("What is 2+2?", tools=_openai_tools(("get_weather", WEATHER)))
    turn = plan(from_chat(body))
    assert turn.calls == () and turn.text == "4"


def test_a_word_of_the_tool_name_is_enough_and_the_best_scoring_tool_wins() -> None:
    tools = _openai_tools(("get_weather", WEATHER), ("get_weather_alerts", WEATHER))
    turn = plan(from_chat(_chat("How is the weather in Paris?", tools=tools)))
    assert [c.name for c in turn.calls] == ["get_weather"]  # a tie goes to the first declared tool
    assert turn.calls[0].arguments == {"city": "Paris", "unit": "celsius"}
    jsonschema.validate(turn.calls[0].arguments, WEATHER)


def test_required_calls_a_tool_even_when_none_is_named() -> None:
    body = _chat("hello", tools=_openai_tools(("get_weather", WEATHER)), tool_choice="required")
    assert [c.name for c in plan(from_chat(body)).calls] == ["get_weather"]


def test_a_named_tool_choice_is_obeyed() -> None:
    tools = _openai_tools(("multiply", MULTIPLY), ("get_weather", WEATHER))
    choice = {"type": "function", "function": {"name": "get_weather"}}
    assert [
        c.name for c in plan(from_chat(_chat("multiply 2 by 3", tools=tools, tool_choice=choice))).calls
    ] == ["get_weather"]


def test_none_never_calls() -> None:
    body = _chat("Use multiply on 2 and 3", tools=_openai_tools(("multiply", MULTIPLY)), tool_choice="none")
    assert plan(from_chat(body)).calls == ()


def test_naming_several_tools_calls_them_in_parallel_unless_parallel_calls_are_off() -> None:
    tools = _openai_tools(("multiply", MULTIPLY), ("get_weather", WEATHER))
    body = _chat("Call get_weather for Oslo and multiply 6 by 7", tools=tools)
    turn = plan(from_chat(body))
    assert [c.name for c in turn.calls] == ["get_weather", "multiply"]
    assert turn.calls[1].arguments == {"a": 6, "b": 7}
    assert [c.name for c in plan(from_chat({**body, "parallel_tool_calls": False})).calls] == ["get_weather"]


def test_after_a_tool_result_the_answer_uses_it_and_the_loop_ends() -> None:
    body = {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "user", "content": "Use multiply to compute 1231 * 2331"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "multiply", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "call_1", "content": "2869461"},
        ],
        "tools": _openai_tools(("multiply", MULTIPLY)),
    }
    conversation = from_chat(body)
    assert conversation.results[0].name == "multiply"
    turn = plan(conversation)
    assert turn.calls == () and turn.text == "The result is 2869461."
    # A forced tool stays forced, as the API guarantees: the client must relax tool_choice itself.
    assert plan(from_chat({**body, "tool_choice": "required"})).calls


def test_anthropic_any_tool_and_parallel_results() -> None:
    tools = [
        {
            "name": "secret",
            "description": "",
            "input_schema": {"type": "object", "properties": {"p": {"type": "string"}}, "required": ["p"]},
        }
    ]
    first = {
        "model": "claude-haiku-4-5",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "retrieve them"}],
        "tools": tools,
        "tool_choice": {"type": "any"},
    }
    assert [c.name for c in plan(from_messages(first)).calls] == ["secret"]
    second = {
        **first,
        "tool_choice": {"type": "auto"},
        "messages": [
            *first["messages"],
            {
                "role": "assistant",
                "content": [
                    {"type": "tool_use", "id": "toolu_1", "name": "secret", "input": {"p": "a"}},
                    {"type": "tool_use", "id": "toolu_2", "name": "secret", "input": {"p": "b"}},
                ],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_1", "content": "Welcome to Moria!"},
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_2",
                        "content": [{"type": "text", "text": "Life"}],
                    },
                ],
            },
        ],
    }
    turn = plan(from_messages(second))
    assert turn.text == "The results are: secret: Welcome to Moria!; secret: Life."
    forced = from_messages(
        {**first, "tool_choice": {"type": "tool", "name": "secret", "disable_parallel_tool_use": True}}
    )
    assert forced.forced_tool == "secret" and forced.parallel is False


def test_anthropic_thinking_is_planned_only_when_enabled() -> None:
    body = {
        "model": "claude-sonnet-4-5",
        "max_tokens": 2048,
        "messages": [{"role": "user", "content": "What is 2+2?"}],
    }
    assert plan(from_messages(body)).thinking is None
    turn = plan(from_messages({**body, "thinking": {"type": "enabled", "budget_tokens": 1024}}))
    assert turn.text == "4" and "What is 2+2?" in (turn.thinking or "")


@pytest.mark.parametrize("strict", [True, False])
def test_json_schema_output_validates_and_uses_the_answer(strict: bool) -> None:
    schema = {
        "type": "object",
        "properties": {"answer": {"type": "integer"}, "reasoning": {"type": "string"}},
        "required": ["answer", "reasoning"],
        "additionalProperties": False,
    }
    fmt = {"type": "json_schema", "json_schema": {"name": "math", "schema": schema, "strict": strict}}
    turn = plan(from_chat(_chat("What is 2+2?", response_format=fmt)))
    value = json.loads(turn.text)
    jsonschema.validate(value, schema)
    assert value["answer"] == 4


def test_json_object_output_is_an_object_holding_the_answer() -> None:
    turn = plan(from_chat(_chat("What is 2+2? Reply in JSON.", response_format={"type": "json_object"})))
    assert json.loads(turn.text) == {"answer": "4"}


def test_responses_api_input_items_tools_and_function_outputs() -> None:
    tools = [
        {
            "type": "function",
            "name": "get_capital",
            "parameters": {
                "type": "object",
                "properties": {"country": {"type": "string"}},
                "required": ["country"],
            },
            "strict": True,
        }
    ]
    first = {"model": "gpt-4o", "input": "What is the capital of France? Use get_capital.", "tools": tools}
    turn = plan(from_responses(first))
    assert [(c.name, c.arguments) for c in turn.calls] == [("get_capital", {"country": "France"})]
    second = {
        **first,
        "input": [
            {"role": "user", "content": "What is the capital of France? Use get_capital."},
            {"type": "function_call", "call_id": "call_9", "name": "get_capital", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "call_9", "output": "Paris"},
        ],
    }
    assert plan(from_responses(second)).text == "The result is Paris."
    fmt = {
        "format": {
            "type": "json_schema",
            "name": "n",
            "schema": {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]},
        }
    }
    assert json.loads(
        plan(from_responses({"model": "gpt-4o", "input": "What is 3*3?", "text": fmt})).text
    ) == {"n": 9}


def test_an_unsatisfiable_tool_schema_is_a_named_error() -> None:
    tools = _openai_tools(("lookup", {"type": "object", "properties": {"q": {"not": {}}}, "required": ["q"]}))
    with pytest.raises(UnsatisfiableSchema, match=r"tool 'lookup'.*'not'"):
        plan(from_chat(_chat("lookup something", tools=tools)))
