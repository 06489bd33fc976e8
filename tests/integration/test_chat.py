"""Chat sessions keep context across turns, survive save/load, and work async."""

import ttt


def _text(content: str | list[dict]) -> str:
    # OpenAI-style APIs send a string; Anthropic's Messages API a list of content blocks.
    return content if isinstance(content, str) else "".join(block.get("text", "") for block in content)


def _user_turns(body: dict) -> list[str]:
    return [_text(m["content"]) for m in body["messages"] if m["role"] == "user"]


def test_chat_remembers_the_name(provider, llm_cassette, delayed_chat):
    session = delayed_chat(model=provider.model)
    session.ask("My name is Alice.")
    answer = session.ask("What's my name?")
    assert "Alice" in answer
    second = llm_cassette.requests[-1].json
    assert _user_turns(second) == ["My name is Alice.", "What's my name?"]
    assert [m["role"] for m in second["messages"]][-3:] == ["user", "assistant", "user"]


def test_chat_saved_and_loaded_continues_the_conversation(llm_cassette, delayed_chat, tmp_path):
    session = delayed_chat(model="gpt-4o-mini")
    session.ask("My name is Alice.")
    path = session.save(tmp_path / "session.json")
    restored = ttt.ChatSession.load(path)
    answer = restored.ask("What's my name?")
    assert "Alice" in answer
    assert _user_turns(llm_cassette.requests[-1].json) == ["My name is Alice.", "What's my name?"]


async def test_async_chat_remembers_the_name(llm_cassette, rate_limit_delay):
    session = ttt.achat(model="haiku")
    await session.aask("My name is Alice.")
    answer = await session.aask("What's my name?")
    assert "Alice" in answer
    assert _user_turns(llm_cassette.requests[-1].json) == ["My name is Alice.", "What's my name?"]
