#include "sniff.h"

#include <string.h>

#include "../core/norm.h"
#include "json_records.h"

static bool ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static uint64_t seen_bit(const char *key, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)key[i];
        h = (h ^ (c >= 'A' && c <= 'Z' ? c + 32u : c)) * 16777619u;
    }
    return 1ull << (h >> 26);
}

void m365_sniff_keys_clear(struct m365_sniff_keys *k)
{
    k->n = 0;
    k->seen = 0;
    k->wrapper = NULL;
    k->in_array = false;
}

void m365_sniff_keys_add(struct m365_sniff_keys *k, const char *key, size_t len)
{
    len = strnlen(key, len); /* the key as the look-ups see it: up to a NUL in it */
    memcpy(k->keys[k->n], key, len);
    memset(k->keys[k->n++] + len, 0, sizeof(k->keys[0]) - len); /* whole slots compare equal */
    k->seen |= seen_bit(key, len);
}

bool m365_sniff_keys_maybe(const struct m365_sniff_keys *k, const char *key)
{
    return (k->seen & seen_bit(key, strlen(key))) != 0;
}

bool m365_sniff_keys_has(const struct m365_sniff_keys *k, const char *key)
{
    if (!m365_sniff_keys_maybe(k, key)) {
        return false;
    }
    for (unsigned i = 0; i < k->n; i++) {
        if (strcmp(k->keys[i], key) == 0) {
            return true;
        }
    }
    return false;
}

bool m365_sniff_keys_has_any_case(const struct m365_sniff_keys *k, const char *key)
{
    if (!m365_sniff_keys_maybe(k, key)) {
        return false;
    }
    for (unsigned i = 0; i < k->n; i++) {
        if (m365_ieq(k->keys[i], key)) {
            return true;
        }
    }
    return false;
}

/* *used: how many bytes the answer depends on; all of them (and so len too) when it ran out. */
static bool scan_keys(const char *head, size_t len, struct m365_sniff_keys *out, size_t *used)
{
#define DONE(r) return (*used = i < len ? i + 1 : len), (r)
    m365_sniff_keys_clear(out);
    size_t i = 0;
    while (i < len && ws(head[i])) {
        i++;
    }
    if (i == len || (head[i] != '{' && head[i] != '[')) {
        DONE(false);
    }
    if (head[i] == '[') {
        out->in_array = true;
        i++;
        while (i < len && ws(head[i])) {
            i++;
        }
        if (i == len || head[i] != '{') {
            DONE(true);
        }
    }
    /* head[i] == '{': collect keys at depth 1 of this object. */
    unsigned depth = 0;
    bool expect_key = false, after_colon = false;
    char key[48];
    size_t klen = 0;
    bool key_ok = false;
    bool only_meta = true; /* keys before the wrapper's array are metadata */
    for (; i < len; i++) {
        char c = head[i];
        if (c == '"') {
            size_t start = ++i;
            while (i < len && head[i] != '"') {
                i += head[i] == '\\' ? 2 : 1;
            }
            if (i >= len) {
                break;
            }
            if (depth == 1 && expect_key) {
                klen = i - start;
                key_ok = klen < sizeof(key) && !memchr(head + start, '\\', klen);
                if (key_ok) {
                    memcpy(key, head + start, klen);
                    key[klen] = '\0';
                    if (!m365_json_wrapper_meta_key(key, klen) &&
                        !m365_json_wrapper_key(key, klen)) {
                        only_meta = false;
                    }
                    if (out->n < M365_SNIFF_MAX_KEYS && !m365_sniff_keys_has(out, key)) {
                        m365_sniff_keys_add(out, key, klen);
                    }
                }
            }
            continue;
        }
        switch (c) {
        case '{':
        case '[':
            if (depth == 1 && after_colon && c == '[' && key_ok && !out->wrapper && only_meta &&
                m365_json_wrapper_key(key, klen)) {
                size_t j = i + 1;
                while (j < len && ws(head[j])) {
                    j++;
                }
                if (j < len && head[j] != '{' && head[j] != ']') {
                    depth++; /* an ordinary array member: not a wrapper */
                    break;
                }
                /* A wrapper: what matters are the keys of the first record inside. */
                out->wrapper = m365_json_wrapper_key(key, klen);
                out->n = 0;
                out->seen = 0;
                i = j;
                if (i == len || head[i] != '{') {
                    DONE(true);
                }
                depth = 1;
                expect_key = true;
                after_colon = false;
                continue;
            }
            depth++;
            if (depth == 1) {
                expect_key = true;
            }
            break;
        case '}':
        case ']':
            if (depth == 0) {
                DONE(true);
            }
            if (--depth == 0) {
                DONE(true); /* end of the first record */
            }
            break;
        case ':':
            if (depth == 1) {
                expect_key = false;
                after_colon = true;
                continue;
            }
            break;
        case ',':
            if (depth == 1) {
                expect_key = true;
            }
            break;
        default:
            break;
        }
        if (!ws(c)) {
            after_colon = false;
        }
    }
    *used = len;
    return true;
#undef DONE
}

/* Every format's sniffer asks for the same file's first keys (six or seven times a file): the
 * last answer is kept with the bytes it was read from, and given again for the same bytes. */
#define MEMO_BYTES 4096u
struct sniff_memo {
    bool valid, ok, ran_out;
    size_t used, len;
    char bytes[MEMO_BYTES];
    struct m365_sniff_keys keys;
};
static _Thread_local struct sniff_memo memo;

/* The keys in use only: the whole struct is 4.6 KB. */
static void keys_copy(struct m365_sniff_keys *to, const struct m365_sniff_keys *from)
{
    to->n = from->n;
    to->seen = from->seen;
    to->wrapper = from->wrapper;
    to->in_array = from->in_array;
    memcpy(to->keys, from->keys, from->n * sizeof(from->keys[0]));
}

bool m365_sniff_json_keys(const char *head, size_t len, struct m365_sniff_keys *out)
{
    if (memo.valid && (memo.ran_out ? len == memo.len : len >= memo.used) &&
        memcmp(head, memo.bytes, memo.used) == 0) {
        keys_copy(out, &memo.keys);
        return memo.ok;
    }
    size_t used;
    bool ok = scan_keys(head, len, out, &used);
    memo.valid = used <= MEMO_BYTES;
    if (memo.valid) {
        memo.ok = ok;
        memo.ran_out = used == len;
        memo.used = used;
        memo.len = len;
        memcpy(memo.bytes, head, used);
        keys_copy(&memo.keys, out);
    }
    return ok;
}
