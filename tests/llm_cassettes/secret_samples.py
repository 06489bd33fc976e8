"""Fake credentials in the real shapes, shared by the scrub and scan tests."""

# Fake credentials in the real shapes (built by concatenation so this file is not itself a finding).
OPENAI_KEY = "sk-" + "proj-" + "Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0fGh3iJk6lMn9"
ANTHROPIC_KEY = "sk-" + "ant-api03-" + "Zy9xWv8uTs7rQp6oNm5lKj4iHg3fEd2cBa1-_Zy9xWv8uTs7rQp6oNmAA"
OPENROUTER_KEY = "sk-" + "or-v1-" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
GEMINI_KEY = "AI" + "zaSyD-1234567890abcdefghijklmnopqrstu"
BEARER_TOKEN = "tok_" + "9f8e7d6c5b4a39281706f5e4d3c2b1a0"
BODY_API_KEY = "ak_" + "live_51HxQ2eZvKYlo2C9a8b7c6d5e4f3"
SSE_API_KEY = "sse_" + "key_77Qq88Ww99Ee00Rr11Tt22"
COOKIE_VALUE = "sess_" + "c0ffee1234deadbeef5678"
SET_COOKIE_VALUE = "cfbm_" + "Xx1Yy2Zz3.abcdef-1700000000-0-AbC"
ORG_ID = "org-" + "AbCdEfGhIjKlMnOpQrStUvWx"
PROJECT_ID = "proj_" + "AbCdEfGhIjKlMnOpQrStUv12"
ANTHROPIC_ORG = "1c1b8a2e-5d3f-4cde-9f00-" + "123456789abc"
CUSTOM_SECRET = "ACME-" + "INTERNAL-7781-XQ"
CUSTOM_PATTERN = r"ACME-INTERNAL-\d{4}-[A-Z]{2}"

ALL_SECRETS = [
    OPENAI_KEY,
    ANTHROPIC_KEY,
    OPENROUTER_KEY,
    GEMINI_KEY,
    BEARER_TOKEN,
    BODY_API_KEY,
    SSE_API_KEY,
    COOKIE_VALUE,
    SET_COOKIE_VALUE,
    ORG_ID,
    PROJECT_ID,
    ANTHROPIC_ORG,
    CUSTOM_SECRET,
]
