#include "event_pack.h"

#include <string.h>

/* Slots, in order: the 25 strings of struct m365_event, then the rest. A slot is one 8-byte
 * word, except the geo and count slots (two). */
static const size_t str_off[] = {
    offsetof(struct m365_event, reader),
    offsetof(struct m365_event, workload),
    offsetof(struct m365_event, operation),
    offsetof(struct m365_event, operation_raw),
    offsetof(struct m365_event, category),
    offsetof(struct m365_event, result_detail),
    offsetof(struct m365_event, actor_upn),
    offsetof(struct m365_event, actor_id),
    offsetof(struct m365_event, actor_name),
    offsetof(struct m365_event, actor_app_id),
    offsetof(struct m365_event, ip),
    offsetof(struct m365_event, user_agent),
    offsetof(struct m365_event, app_id),
    offsetof(struct m365_event, app_name),
    offsetof(struct m365_event, client_app_id),
    offsetof(struct m365_event, resource_id),
    offsetof(struct m365_event, resource_name),
    offsetof(struct m365_event, client_app_used),
    offsetof(struct m365_event, auth_requirement),
    offsetof(struct m365_event, session_id),
    offsetof(struct m365_event, correlation_id),
    offsetof(struct m365_event, token_id),
    offsetof(struct m365_event, tenant_id),
    offsetof(struct m365_event, country),
    offsetof(struct m365_event, city),
};
#define N_STR (sizeof(str_off) / sizeof(str_off[0]))
enum {
    S_READER = 0,
    S_TENANT = 22,
    S_GEO = N_STR, /* lat, lon */
    S_MAIL,
    S_COUNTS, /* n_targets, n_props; n_params, n_extra */
    S_TARGETS,
    S_PROPS,
    S_PARAMS,
    S_EXTRA,
    S_RECORD_ID,
    S_COUNT
};
_Static_assert(S_COUNT <= 64, "slots fit the present mask");
#define HEAD_WORDS (sizeof(struct m365_packed) / 8)
#define FIXED_WORDS 3 /* evidence file, line, offset */
#define BIT(s) (1ull << (s))
#define TWO_WORDS (BIT(S_GEO) | BIT(S_COUNTS))

_Static_assert(sizeof(struct m365_packed) % 8 == 0, "header is whole words");

static const char *str_at(const struct m365_event *ev, size_t k)
{
    return *(const char *const *)((const char *)ev + str_off[k]);
}

static uint64_t present_of(const struct m365_event *ev)
{
    uint64_t m = 0;
    for (size_t k = 0; k < N_STR; k++) {
        if (str_at(ev, k)) {
            m |= BIT(k);
        }
    }
    uint64_t lat, lon; /* bits: -0.0 must come back as -0.0 */
    memcpy(&lat, &ev->lat, 8);
    memcpy(&lon, &ev->lon, 8);
    if (ev->has_geo || lat || lon) {
        m |= BIT(S_GEO);
    }
    if (ev->mail) {
        m |= BIT(S_MAIL);
    }
    if (ev->n_targets || ev->n_props || ev->n_params || ev->n_extra) {
        m |= BIT(S_COUNTS);
    }
    m |= ev->targets ? BIT(S_TARGETS) : 0;
    m |= ev->props ? BIT(S_PROPS) : 0;
    m |= ev->params ? BIT(S_PARAMS) : 0;
    m |= ev->extra ? BIT(S_EXTRA) : 0;
    m |= ev->evidence.record_id ? BIT(S_RECORD_ID) : 0;
    return m;
}

static size_t words_of(uint64_t present)
{
    return HEAD_WORDS + FIXED_WORDS + (size_t)__builtin_popcountll(present) +
           (size_t)__builtin_popcountll(present & TWO_WORDS);
}

size_t m365_event_packed_size(const struct m365_event *ev)
{
    return words_of(present_of(ev)) * 8;
}

static uint64_t *slots(const struct m365_packed *p)
{
    return (uint64_t *)(void *)((char *)(uintptr_t)p + sizeof(*p));
}

static void put_ptr(uint64_t *w, const void *v) { memcpy(w, &v, sizeof(v)); }

void m365_event_pack(const struct m365_event *ev, struct m365_packed *out)
{
    uint64_t m = present_of(ev);
    out->time_ms = ev->time_ms;
    out->present = m;
    out->seq = ev->seq;
    out->error_code = ev->error_code;
    out->record_type = ev->record_type;
    out->log_source = ev->log_source;
    out->kind = ev->kind;
    out->result = ev->result;
    out->actor_type = ev->actor_type;
    out->is_interactive = ev->is_interactive;
    out->has_geo = ev->has_geo;
    out->words = (uint16_t)words_of(m);
    uint64_t *w = slots(out);
    put_ptr(w++, ev->evidence.file);
    *w++ = ev->evidence.line;
    *w++ = ev->evidence.offset;
    for (size_t k = 0; k < N_STR; k++) {
        if (m & BIT(k)) {
            put_ptr(w++, str_at(ev, k));
        }
    }
    if (m & BIT(S_GEO)) {
        memcpy(w++, &ev->lat, 8);
        memcpy(w++, &ev->lon, 8);
    }
    if (m & BIT(S_MAIL)) {
        put_ptr(w++, ev->mail);
    }
    if (m & BIT(S_COUNTS)) {
        *w++ = (uint64_t)ev->n_targets | (uint64_t)ev->n_props << 32;
        *w++ = (uint64_t)ev->n_params | (uint64_t)ev->n_extra << 32;
    }
    if (m & BIT(S_TARGETS)) {
        put_ptr(w++, ev->targets);
    }
    if (m & BIT(S_PROPS)) {
        put_ptr(w++, ev->props);
    }
    if (m & BIT(S_PARAMS)) {
        put_ptr(w++, ev->params);
    }
    if (m & BIT(S_EXTRA)) {
        put_ptr(w++, ev->extra);
    }
    if (m & BIT(S_RECORD_ID)) {
        put_ptr(w++, ev->evidence.record_id);
    }
}

static const void *get_ptr(const uint64_t *w)
{
    const void *v;
    memcpy(&v, w, sizeof(v));
    return v;
}

void m365_event_unpack(const struct m365_packed *p, struct m365_event *out)
{
    memset(out, 0, sizeof(*out));
    uint64_t m = p->present;
    out->time_ms = p->time_ms;
    out->seq = p->seq;
    out->error_code = p->error_code;
    out->record_type = p->record_type;
    out->log_source = p->log_source;
    out->kind = p->kind;
    out->result = p->result;
    out->actor_type = p->actor_type;
    out->is_interactive = p->is_interactive;
    out->has_geo = p->has_geo;
    const uint64_t *w = slots(p);
    out->evidence.file = get_ptr(w++);
    out->evidence.line = *w++;
    out->evidence.offset = *w++;
    uint64_t sm = m & (BIT(N_STR) - 1);
    while (sm) {
        size_t k = (size_t)__builtin_ctzll(sm);
        sm &= sm - 1;
        memcpy((char *)out + str_off[k], w++, sizeof(const char *));
    }
    if (m & BIT(S_GEO)) {
        memcpy(&out->lat, w++, 8);
        memcpy(&out->lon, w++, 8);
    }
    if (m & BIT(S_MAIL)) {
        out->mail = get_ptr(w++);
    }
    if (m & BIT(S_COUNTS)) {
        out->n_targets = (uint32_t)w[0];
        out->n_props = (uint32_t)(w[0] >> 32);
        out->n_params = (uint32_t)w[1];
        out->n_extra = (uint32_t)(w[1] >> 32);
        w += 2;
    }
    if (m & BIT(S_TARGETS)) {
        out->targets = get_ptr(w++);
    }
    if (m & BIT(S_PROPS)) {
        out->props = get_ptr(w++);
    }
    if (m & BIT(S_PARAMS)) {
        out->params = get_ptr(w++);
    }
    if (m & BIT(S_EXTRA)) {
        out->extra = get_ptr(w++);
    }
    if (m & BIT(S_RECORD_ID)) {
        out->evidence.record_id = get_ptr(w++);
    }
}

/* The word of a slot, or NULL when the event lacks it. */
static const uint64_t *slot_word(const struct m365_packed *p, unsigned s)
{
    if (!(p->present & BIT(s))) {
        return NULL;
    }
    uint64_t below = p->present & (BIT(s) - 1);
    size_t i = FIXED_WORDS + (size_t)__builtin_popcountll(below) +
               (size_t)__builtin_popcountll(below & TWO_WORDS);
    return slots(p) + i;
}

static const char *slot_str(const struct m365_packed *p, unsigned s)
{
    const uint64_t *w = slot_word(p, s);
    return w ? get_ptr(w) : NULL;
}

const char *m365_packed_record_id(const struct m365_packed *p)
{
    return slot_str(p, S_RECORD_ID);
}
const char *m365_packed_reader(const struct m365_packed *p) { return slot_str(p, S_READER); }
const char *m365_packed_tenant_id(const struct m365_packed *p) { return slot_str(p, S_TENANT); }
const char *m365_packed_file(const struct m365_packed *p) { return get_ptr(slots(p)); }
uint64_t m365_packed_line(const struct m365_packed *p) { return slots(p)[1]; }
uint64_t m365_packed_offset(const struct m365_packed *p) { return slots(p)[2]; }

void m365_packed_rebase(struct m365_packed *p, uint64_t line_base, uint64_t off_base)
{
    slots(p)[1] += line_base;
    slots(p)[2] += off_base;
}
