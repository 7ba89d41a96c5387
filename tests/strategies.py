"""Hypothesis strategies shared by the test suite."""

from __future__ import annotations

import string

from hypothesis import strategies as st

# Real API keys and tokens: letters, digits and a few URL-safe marks.
secret_text = st.text(
    alphabet=string.ascii_letters + string.digits + "-_.~", min_size=4, max_size=64
)

# Arbitrary surrounding text, including the characters that appear in URLs and JSON.
noise = st.text(alphabet=st.characters(codec="utf-8"), max_size=200)
