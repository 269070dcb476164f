// Thin extern "C" wrapper around simdjson's DOM API; everything else in m365hunt is C.
#include <simdjson.h>

#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "json.h"

using namespace simdjson;

static_assert(sizeof(dom::element) <= sizeof(uint64_t) * 2, "dom::element must fit m365_jv");
static_assert(sizeof(dom::array::iterator) <= sizeof(uint64_t) * 2, "array iterator size");
static_assert(sizeof(dom::object::iterator) <= sizeof(uint64_t) * 2, "object iterator size");
static_assert(std::is_trivially_copyable<dom::element>::value, "element must be copyable");
static_assert(M365_JSON_PADDING >= SIMDJSON_PADDING, "callers' padding must satisfy simdjson");

struct m365_json {
    dom::parser parser;
    std::vector<std::unique_ptr<dom::document>> docs;
    size_t used = 0;
    std::vector<char> scratch; // padded copy of unpadded input
    std::string text;
    m365_json(size_t max_bytes) : parser(max_bytes) {}
};

static m365_jtype type_of(const dom::element &e)
{
    switch (e.type()) {
    case dom::element_type::ARRAY: return M365_J_ARRAY;
    case dom::element_type::OBJECT: return M365_J_OBJECT;
    case dom::element_type::INT64: return M365_J_INT;
    case dom::element_type::UINT64: return M365_J_UINT;
    case dom::element_type::DOUBLE: return M365_J_DOUBLE;
    case dom::element_type::STRING: return M365_J_STRING;
    case dom::element_type::BOOL: return M365_J_BOOL;
    case dom::element_type::NULL_VALUE: return M365_J_NULL;
    }
    return M365_J_ABSENT;
}

static m365_jv wrap(dom::element e)
{
    m365_jv v;
    std::memset(&v, 0, sizeof(v));
    std::memcpy(v.w, &e, sizeof(e));
    v.present = type_of(e);
    return v;
}

static bool unwrap(const m365_jv &v, dom::element &e)
{
    if (!v.present) {
        return false;
    }
    std::memcpy(static_cast<void *>(&e), v.w, sizeof(e));
    return true;
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

static m365_jv absent()
{
    m365_jv v;
    std::memset(&v, 0, sizeof(v));
    return v;
}

extern "C" {

// Bumped whenever element handles may be reused for other elements (see m365_json_generation).
thread_local uint64_t m365_json_gen = 1;

struct m365_json *m365_json_new(size_t max_bytes, unsigned max_depth)
{
    m365_json_gen++;
    m365_json *j = new (std::nothrow) m365_json(max_bytes + 64);
    if (!j) {
        return nullptr;
    }
    // Start small: the parser grows to the largest record seen, never past max_bytes.
    if (j->parser.allocate(64 * 1024, max_depth) != SUCCESS) {
        delete j;
        return nullptr;
    }
    return j;
}

void m365_json_free(struct m365_json *j)
{
    m365_json_gen++;
    delete j;
}

void m365_json_reset(struct m365_json *j)
{
    m365_json_gen++;
    j->used = 0;
    // Keep a bounded pool: a record with many nested documents must not pin memory forever.
    if (j->docs.size() > 64) {
        j->docs.resize(64);
    }
}

int m365_json_parse(struct m365_json *j, const char *buf, size_t len, bool padded,
                    struct m365_jv *root, const char **err)
{
    try {
        if (j->used == j->docs.size()) {
            j->docs.emplace_back(new dom::document());
        }
        dom::document &doc = *j->docs[j->used];
        if (len > j->parser.capacity()) {
            if (len > j->parser.max_capacity()) {
                *err = "record larger than the maximum record size";
                return -1;
            }
            if (j->parser.allocate(len, j->parser.max_depth()) != SUCCESS) {
                *err = "out of memory";
                return -1;
            }
        }
        const char *src = buf;
        if (!padded) {
            if (j->scratch.size() < len + SIMDJSON_PADDING) {
                j->scratch.resize(len + SIMDJSON_PADDING);
            }
            std::memcpy(j->scratch.data(), buf, len);
            std::memset(j->scratch.data() + len, 0, SIMDJSON_PADDING);
            src = j->scratch.data();
        }
        dom::element e;
        auto error = j->parser.parse_into_document(doc, src, len, false).get(e);
        if (error) {
            *err = error_message(error);
            return -1;
        }
        j->used++;
        *root = wrap(e);
        return 0;
    } catch (...) {
        *err = "out of memory";
        return -1;
    }
}

struct m365_jv m365_jv_get(struct m365_jv obj, const char *key)
{
    dom::element e;
    dom::object o;
    if (!unwrap(obj, e) || e.get_object().get(o)) {
        return absent();
    }
    dom::element r;
    if (o.at_key(key).get(r)) {
        return absent();
    }
    return wrap(r);
}

struct m365_jv m365_jv_geti(struct m365_jv obj, const char *key)
{
    dom::element e;
    dom::object o;
    if (!unwrap(obj, e) || e.get_object().get(o)) {
        return absent();
    }
    size_t klen = std::strlen(key);
    for (dom::key_value_pair kv : o) {
        if (kv.key.size() != klen) {
            continue;
        }
        size_t i = 0;
        for (; i < klen; i++) {
            if (ascii_lower(kv.key[i]) != ascii_lower(key[i])) {
                break;
            }
        }
        if (i == klen) {
            return wrap(kv.value);
        }
    }
    return absent();
}

size_t m365_jv_count(struct m365_jv v)
{
    dom::element e;
    if (!unwrap(v, e)) {
        return 0;
    }
    dom::array a;
    if (!e.get_array().get(a)) {
        return a.size();
    }
    dom::object o;
    if (!e.get_object().get(o)) {
        return o.size();
    }
    return 0;
}

bool m365_jv_str(struct m365_jv v, const char **s, size_t *len)
{
    dom::element e;
    std::string_view sv;
    if (!unwrap(v, e) || e.get_string().get(sv)) {
        return false;
    }
    *s = sv.data();
    *len = sv.size();
    return true;
}

bool m365_jv_i64(struct m365_jv v, int64_t *out)
{
    dom::element e;
    if (!unwrap(v, e)) {
        return false;
    }
    int64_t i;
    if (!e.get_int64().get(i)) {
        *out = i;
        return true;
    }
    double d;
    if (!e.get_double().get(d) && d >= -9.2e18 && d <= 9.2e18 &&
        static_cast<double>(static_cast<int64_t>(d)) == d) {
        *out = static_cast<int64_t>(d);
        return true;
    }
    return false;
}

bool m365_jv_f64(struct m365_jv v, double *out)
{
    dom::element e;
    double d;
    if (!unwrap(v, e) || e.get_double().get(d)) {
        return false;
    }
    *out = d;
    return true;
}

bool m365_jv_bool(struct m365_jv v, bool *out)
{
    dom::element e;
    bool b;
    if (!unwrap(v, e) || e.get_bool().get(b)) {
        return false;
    }
    *out = b;
    return true;
}

const char *m365_jv_text(struct m365_json *j, struct m365_jv v, size_t *len)
{
    dom::element e;
    if (!unwrap(v, e)) {
        *len = 0;
        return "";
    }
    try {
        j->text = simdjson::minify(e);
    } catch (...) {
        j->text.clear();
    }
    *len = j->text.size();
    return j->text.c_str();
}

size_t m365_jv_members(struct m365_jv v, struct m365_jmember *out, size_t max)
{
    dom::element e;
    dom::object o;
    if (!unwrap(v, e) || e.get_object().get(o)) {
        return 0;
    }
    size_t n = 0;
    for (dom::key_value_pair kv : o) {
        if (n < max) {
            out[n].key = kv.key.data();
            out[n].klen = kv.key.size();
            out[n].val = wrap(kv.value);
        }
        n++;
    }
    return n;
}

void m365_jv_iter(struct m365_jv v, struct m365_jit *it)
{
    std::memset(it, 0, sizeof(*it));
    dom::element e;
    if (!unwrap(v, e)) {
        return;
    }
    dom::array a;
    if (!e.get_array().get(a)) {
        dom::array::iterator b = a.begin(), en = a.end();
        std::memcpy(it->cur, &b, sizeof(b));
        std::memcpy(it->end, &en, sizeof(en));
        it->valid = 1;
        return;
    }
    dom::object o;
    if (!e.get_object().get(o)) {
        dom::object::iterator b = o.begin(), en = o.end();
        std::memcpy(it->cur, &b, sizeof(b));
        std::memcpy(it->end, &en, sizeof(en));
        it->valid = 1;
        it->is_object = 1;
    }
}

bool m365_jit_next(struct m365_jit *it, const char **key, size_t *klen, struct m365_jv *val)
{
    if (!it->valid) {
        return false;
    }
    if (it->is_object) {
        dom::object::iterator c, en;
        std::memcpy(static_cast<void *>(&c), it->cur, sizeof(c));
        std::memcpy(static_cast<void *>(&en), it->end, sizeof(en));
        if (!(c != en)) {
            return false;
        }
        if (key) {
            std::string_view k = c.key();
            *key = k.data();
            *klen = k.size();
        }
        *val = wrap(c.value());
        ++c;
        std::memcpy(it->cur, &c, sizeof(c));
        return true;
    }
    dom::array::iterator c, en;
    std::memcpy(static_cast<void *>(&c), it->cur, sizeof(c));
    std::memcpy(static_cast<void *>(&en), it->end, sizeof(en));
    if (!(c != en)) {
        return false;
    }
    if (key) {
        *key = nullptr;
        *klen = 0;
    }
    *val = wrap(*c);
    ++c;
    std::memcpy(it->cur, &c, sizeof(c));
    return true;
}

} // extern "C"
