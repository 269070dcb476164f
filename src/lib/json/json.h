/* C interface to simdjson's DOM parser (the project's one C++ file is json_shim.cpp).
 *
 * A m365_json context owns one parser and a pool of documents: the record being mapped and the
 * JSON documents found inside its string values ("JSON in a string", common in Log Analytics
 * exports and UAL ModifiedProperties). Values handed out stay valid until m365_json_reset(). */
#ifndef M365_JSON_H
#define M365_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define M365_JSON_PADDING 64 /* readable bytes a caller must have after a "padded" buffer */

enum m365_jtype {
    M365_J_ABSENT = 0, /* key not present / invalid handle */
    M365_J_NULL,
    M365_J_BOOL,
    M365_J_INT,
    M365_J_UINT,
    M365_J_DOUBLE,
    M365_J_STRING,
    M365_J_ARRAY,
    M365_J_OBJECT
};

/* An element: opaque, trivially copyable. Its type is read when the handle is made, so that
 * asking for it (mappers do, for nearly every member) is not a call into the shim. `present`
 * holds it, a whole word: a handle is written and read in whole words (a byte field written
 * just before the handle is copied stalls the copy). */
struct m365_jv {
    uint64_t w[2];
    uint64_t present; /* enum m365_jtype; M365_J_ABSENT (0) for no element */
};

/* Iterator over an array or an object. */
struct m365_jit {
    uint64_t cur[2], end[2];
    uint8_t is_object;
    uint8_t valid;
};

/* The absent element. */
static inline struct m365_jv m365_jv_none(void)
{
    struct m365_jv v = {{0, 0}, M365_J_ABSENT};
    return v;
}

struct m365_json;

struct m365_json *m365_json_new(size_t max_bytes, unsigned max_depth);
void m365_json_free(struct m365_json *j);
/* Forget every document parsed since the last reset (memory is kept for reuse). */
void m365_json_reset(struct m365_json *j);

/* Parse one JSON document. When `padded`, M365_JSON_PADDING bytes after buf+len must be readable;
 * otherwise the text is copied first. Returns 0 and the root, or -1 with a static message. */
int m365_json_parse(struct m365_json *j, const char *buf, size_t len, bool padded,
                    struct m365_jv *root, const char **err);

/* Changes (on this thread) whenever element handles may come to name other elements: after
 * a reset, a new context or a freed one. Lets callers cache facts about an element. A variable
 * rather than a call: mappers read it for every member they look up. */
#ifdef __cplusplus
extern thread_local uint64_t m365_json_gen;
#else
extern _Thread_local uint64_t m365_json_gen;
#endif
static inline uint64_t m365_json_generation(void)
{
    return m365_json_gen;
}

static inline enum m365_jtype m365_jv_type(struct m365_jv v)
{
    return (enum m365_jtype)v.present;
}
/* Member by exact key; absent element when missing or when v is not an object. */
struct m365_jv m365_jv_get(struct m365_jv obj, const char *key);
/* Member by ASCII case-insensitive key (first match). */
struct m365_jv m365_jv_geti(struct m365_jv obj, const char *key);
/* Array element count or object member count; 0 otherwise. */
size_t m365_jv_count(struct m365_jv v);

bool m365_jv_str(struct m365_jv v, const char **s, size_t *len);
bool m365_jv_i64(struct m365_jv v, int64_t *out);  /* integers, and doubles that are integral */
bool m365_jv_f64(struct m365_jv v, double *out);   /* any number */
bool m365_jv_bool(struct m365_jv v, bool *out);

/* Compact JSON text of any element (strings come back quoted); NUL-terminated; the buffer
 * belongs to the context and is overwritten by the next call. */
const char *m365_jv_text(struct m365_json *j, struct m365_jv v, size_t *len);

/* An object's member. */
struct m365_jmember {
    const char *key;
    size_t klen;
    struct m365_jv val;
};
/* An object's first `max` members, in member order, into out; returns how many it has
 * (0 when v is not an object). */
size_t m365_jv_members(struct m365_jv v, struct m365_jmember *out, size_t max);

void m365_jv_iter(struct m365_jv v, struct m365_jit *it);
/* Next element; for objects, key and klen receive the key. False at the end. */
bool m365_jit_next(struct m365_jit *it, const char **key, size_t *klen, struct m365_jv *val);

#ifdef __cplusplus
}
#endif
#endif
