#!/usr/bin/env python3
"""Anonymises the session and token ids of an evidence folder in place, as exports shared for a
case or a training lab do: every value of the keys below (and of the UAL's DeviceProperties
SessionId) becomes one placeholder, in JSON (plain), in JSON inside a CSV cell (quotes doubled) and
in JSON inside a JSON string (quotes escaped). CSV columns of those names are left as they are.
    python3 tests/tools/anonymise_ids.py DIR
Prints how many values it replaced. The enrichment folder and binary files are left alone."""
import os
import re
import sys

SESSION_KEYS = ("sessionId", "SessionId", "AADSessionId")
TOKEN_KEYS = ("uniqueTokenIdentifier", "UniqueTokenId", "UniqueTokenIdentifier", "SignInActivityId")
# As real samples write them: a GUID of repeated digits for sessions, a word for tokens.
SESSION_PLACEHOLDER = "11111111-1111-1111-1111-666666666666"
TOKEN_PLACEHOLDER = "ANONYMIZED"
# The quote of each way a JSON string can be written: plain, doubled, escaped.
FORMS = (r'"', r'""', r'\\"')


def patterns(keys):
    key = "(?:%s)" % "|".join(keys)
    out = [re.compile("(%s%s%s\\s*:\\s*%s)[^\"\\\\]*(%s)" % (q, key, q, q, q)) for q in FORMS]
    # The Unified Audit Log's name/value lists: DeviceProperties [{"Name":"SessionId",...}].
    out += [re.compile("(%sName%s\\s*:\\s*%s%s%s\\s*,\\s*%sValue%s\\s*:\\s*%s)[^\"\\\\]*(%s)"
                       % (q, q, q, key, q, q, q, q, q)) for q in FORMS]
    return out


PATTERNS = [(p, SESSION_PLACEHOLDER) for p in patterns(SESSION_KEYS)] + \
           [(p, TOKEN_PLACEHOLDER) for p in patterns(TOKEN_KEYS)]


def anonymise(text):
    n = 0
    for p, placeholder in PATTERNS:
        text, k = p.subn(lambda m: m.group(1) + placeholder + m.group(2), text)
        n += k
    return text, n


def main():
    total = 0
    for root, dirs, files in os.walk(sys.argv[1]):
        dirs[:] = sorted(d for d in dirs if d != "enrichment")
        for name in sorted(files):
            path = os.path.join(root, name)
            try:
                with open(path, encoding="utf-8", newline="") as f:
                    text = f.read()
            except UnicodeDecodeError:
                continue  # compressed or binary
            text, n = anonymise(text)
            if n:
                with open(path, "w", encoding="utf-8", newline="") as f:
                    f.write(text)
                total += n
    print(total)


if __name__ == "__main__":
    main()
