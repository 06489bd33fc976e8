"""The mode decision: every combination of flags and REAL_API_TESTS values."""

import pytest

from llm_cassettes.modes import Action, Mode, ModeError, action_for_test, decide_mode


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, Mode.REPLAY),
        ("", Mode.REPLAY),
        ("0", Mode.REPLAY),
        ("false", Mode.REPLAY),
        ("False", Mode.REPLAY),
        ("no", Mode.REPLAY),
        ("off", Mode.REPLAY),
        ("1", Mode.RECORD_REAL),
        ("true", Mode.RECORD_REAL),
        ("TRUE", Mode.RECORD_REAL),
        ("yes", Mode.RECORD_REAL),
        (" yes ", Mode.RECORD_REAL),
        ("on", Mode.RECORD_REAL),
        ("missing", Mode.RECORD_MISSING),
    ],
)
def test_environment_alone_decides_without_flags(value, expected):
    env = {} if value is None else {"REAL_API_TESTS": value}
    assert decide_mode(env=env) is expected


@pytest.mark.parametrize("value", [None, "0", "1", "missing"])
@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"real_api": True}, Mode.RECORD_REAL),
        ({"real_api_missing": True}, Mode.RECORD_MISSING),
        ({"real_api": True, "real_api_missing": True}, Mode.RECORD_MISSING),
        ({"synthetic": True}, Mode.RECORD_SYNTHETIC),
        ({"synthetic": True, "real_api": True}, Mode.RECORD_SYNTHETIC),
    ],
)
def test_flags_win_over_the_environment(flags, expected, value):
    env = {} if value is None else {"REAL_API_TESTS": value}
    assert decide_mode(env=env, **flags) is expected


def test_unknown_environment_value_is_an_error_naming_the_variable_and_choices():
    with pytest.raises(ModeError) as info:
        decide_mode(env={"REAL_API_TESTS": "sometimes"})
    message = str(info.value)
    assert "REAL_API_TESTS='sometimes'" in message
    assert "1/true/yes" in message and "missing" in message and "0/false/no" in message


@pytest.mark.parametrize("mode", list(Mode))
@pytest.mark.parametrize("real_ok", [True, False])
@pytest.mark.parametrize("has_cassette", [True, False])
@pytest.mark.parametrize("origin", ["recorded", "synthetic"])
@pytest.mark.parametrize("force", [False, True])
def test_per_test_action_for_every_combination(mode, real_ok, has_cassette, origin, force):
    action = action_for_test(
        mode,
        real_api_can_produce=real_ok,
        has_cassette=has_cassette,
        cassette_origin=origin if has_cassette else None,
        force=force,
    )
    if mode is Mode.REPLAY:
        expected = Action.REPLAY
    elif mode is Mode.RECORD_SYNTHETIC:
        protected = has_cassette and origin == "recorded" and not force
        expected = Action.REPLAY if protected else Action.RECORD
    elif has_cassette and (not real_ok or mode is Mode.RECORD_MISSING):
        expected = Action.REPLAY
    else:
        expected = Action.RECORD
    assert action is expected
