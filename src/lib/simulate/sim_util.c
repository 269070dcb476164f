/* Simulator basics: byte buffers, the random generator, identifiers and time text. */
#include <stdlib.h>

#include "../core/norm.h"
#include "sim.h"

int sb_grow(struct sbuf *b, size_t extra)
{
    if (b->oom) {
        return -1;
    }
    size_t need = b->len + extra;
    if (need < b->len) {
        b->oom = true;
        return -1;
    }
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < need) {
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void sb_free(struct sbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

void sb_u64(struct sbuf *b, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sb_put(b, tmp + sizeof(tmp) - n, (size_t)n);
}

void sb_i64(struct sbuf *b, int64_t v)
{
    if (v < 0) {
        sb_putc(b, '-');
        sb_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        sb_u64(b, (uint64_t)v);
    }
}

void sb_pad(struct sbuf *b, unsigned v, int width)
{
    char tmp[12];
    sb_put(b, tmp, (size_t)(m365_put_digits(tmp, v, width) - tmp));
}

/* Bytes JSON needs escaped: control characters, the quote and the backslash. */
/* clang-format off */
static const unsigned char esc_table[256] = {
    /* 0x00-0x1f: control characters */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* 0x20-0x3f: '"' at 0x22 */
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 0x40-0x5f: '\\' at 0x5c */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0};
/* clang-format on */

void sb_json_esc(struct sbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    /* Most values need no escape at all: find the first byte that does, copy up to it. */
    while (i < n) {
        size_t start = i;
        while (i + 4 <= n && !(esc_table[u[i]] | esc_table[u[i + 1]] | esc_table[u[i + 2]] |
                               esc_table[u[i + 3]])) {
            i += 4;
        }
        while (i < n && !esc_table[u[i]]) {
            i++;
        }
        sb_put(b, s + start, i - start);
        if (i == n) {
            break;
        }
        unsigned char c = u[i++];
        switch (c) {
        case '"': SB_LIT(b, "\\\""); break;
        case '\\': SB_LIT(b, "\\\\"); break;
        case '\n': SB_LIT(b, "\\n"); break;
        case '\r': SB_LIT(b, "\\r"); break;
        case '\t': SB_LIT(b, "\\t"); break;
        default: {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            sb_put(b, e, 6);
        }
        }
    }
}

/* --------------------------------------------------------------------------------------------- */

uint64_t sim_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

void sim_rng_seed(struct sim_rng *r, uint64_t seed, uint64_t stream)
{
    /* Independent streams per (seed, purpose): splitmix64 over a mixed starting point. */
    uint64_t x = sim_mix64(seed) ^ sim_mix64(stream * 0xd1b54a32d192ed03ull + 0x1234567ull);
    for (int i = 0; i < 4; i++) {
        x += 0x9e3779b97f4a7c15ull;
        uint64_t z = x;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        r->s[i] = z ^ (z >> 31);
    }
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) {
        r->s[0] = 1;
    }
}

uint32_t sim_below(struct sim_rng *r, uint32_t n)
{
    /* Lemire's multiply-shift with rejection: unbiased. */
    uint64_t m = (uint64_t)(uint32_t)(sim_next(r) >> 32) * n;
    uint32_t lo = (uint32_t)m;
    if (lo < n) {
        uint32_t t = (uint32_t)(-n) % n;
        while (lo < t) {
            m = (uint64_t)(uint32_t)(sim_next(r) >> 32) * n;
            lo = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

int64_t sim_range(struct sim_rng *r, int64_t lo, int64_t hi)
{
    if (hi <= lo) {
        return lo;
    }
    uint64_t span = (uint64_t)(hi - lo) + 1;
    if (span <= 0xffffffffull) {
        return lo + (int64_t)sim_below(r, (uint32_t)span);
    }
    return lo + (int64_t)(sim_next(r) % span);
}

double sim_unit(struct sim_rng *r)
{
    return (double)(sim_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

bool sim_chance(struct sim_rng *r, double p)
{
    return sim_unit(r) < p;
}

uint64_t sim_str_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; s && *s; s++) {
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    }
    return sim_mix64(h);
}

uint64_t sim_key(struct sim_rng *r)
{
    uint64_t k;
    do {
        k = sim_next(r);
    } while (k == 0);
    return k;
}

static const char hexl[] = "0123456789abcdef";
static const char hexu[] = "0123456789ABCDEF";

void sim_guid(uint64_t key, char out[37])
{
    uint64_t a = sim_mix64(key ^ 0x5bd1e995ull), b = sim_mix64(key + 0x27d4eb2f165667c5ull);
    char h[32];
    for (int i = 0; i < 16; i++) {
        h[i] = hexl[(a >> (60 - 4 * i)) & 15];
        h[16 + i] = hexl[(b >> (60 - 4 * i)) & 15];
    }
    h[12] = '4';                   /* version 4 */
    h[16] = "89ab"[(b >> 62) & 3]; /* RFC 4122 variant */
    int o = 0;
    for (int i = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20) {
            out[o++] = '-';
        }
        out[o++] = h[i];
    }
    out[36] = '\0';
}

void sim_token(uint64_t key, char out[23])
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    uint64_t a = sim_mix64(key ^ 0x7f4a7c15ull), b = sim_mix64(key + 0x94d049bb133111ebull);
    /* 128 bits as unpadded base64url: 21 full sextets, then 2 bits (A, Q, g or w). */
    for (int i = 0; i < 10; i++) {
        out[i] = b64[(a >> (58 - 6 * i)) & 63];
    }
    out[10] = b64[((a & 15) << 2) | (b >> 62)];
    for (int i = 0; i < 10; i++) {
        out[11 + i] = b64[(b >> (56 - 6 * i)) & 63];
    }
    out[21] = "AQgw"[b & 3];
    out[22] = '\0';
}

void sim_hex(uint64_t key, char *out, int n, bool upper)
{
    const char *h = upper ? hexu : hexl;
    uint64_t a = sim_mix64(key ^ 0x3c6ef372ull);
    for (int i = 0; i < n; i++) {
        if (i && i % 16 == 0) {
            a = sim_mix64(a);
        }
        out[i] = h[(a >> (60 - 4 * (i % 16))) & 15];
    }
    out[n] = '\0';
}



/* --------------------------------------------------------------------------------------------- */

void sb_time(struct sbuf *b, int64_t ms, enum sim_tfmt f, unsigned sub)
{
    int y, mo, d, h, mi, sec, msec;
    m365_civil_from_ms(ms, &y, &mo, &d, &h, &mi, &sec, &msec);
    if (f == TF_PURVIEW || f == TF_PORTAL) {
        sb_u64(b, (uint64_t)mo);
        sb_putc(b, '/');
        sb_u64(b, (uint64_t)d);
        sb_putc(b, '/');
        sb_u64(b, (uint64_t)y);
        if (f == TF_PORTAL) {
            sb_putc(b, ',');
        }
        sb_putc(b, ' ');
        int h12 = h % 12 == 0 ? 12 : h % 12;
        sb_u64(b, (uint64_t)h12);
        sb_putc(b, ':');
        sb_pad(b, (unsigned)mi, 2);
        sb_putc(b, ':');
        sb_pad(b, (unsigned)sec, 2);
        if (f == TF_PORTAL) {
            sb_putc(b, '.');
            sb_pad(b, (unsigned)msec, 3);
        }
        sb_put(b, h < 12 ? " AM" : " PM", 3);
        return;
    }
    char t[20];
    t[0] = (char)('0' + y / 1000 % 10);
    t[1] = (char)('0' + y / 100 % 10);
    t[2] = (char)('0' + y / 10 % 10);
    t[3] = (char)('0' + y % 10);
    t[4] = '-';
    t[5] = (char)('0' + mo / 10);
    t[6] = (char)('0' + mo % 10);
    t[7] = '-';
    t[8] = (char)('0' + d / 10);
    t[9] = (char)('0' + d % 10);
    if (f == TF_DATE) {
        sb_put(b, t, 10);
        return;
    }
    t[10] = 'T';
    t[11] = (char)('0' + h / 10);
    t[12] = (char)('0' + h % 10);
    t[13] = ':';
    t[14] = (char)('0' + mi / 10);
    t[15] = (char)('0' + mi % 10);
    t[16] = ':';
    t[17] = (char)('0' + sec / 10);
    t[18] = (char)('0' + sec % 10);
    sb_put(b, t, 19);
    switch (f) {
    case TF_Z0: sb_putc(b, 'Z'); break;
    case TF_Z3:
        sb_putc(b, '.');
        sb_pad(b, (unsigned)msec, 3);
        sb_putc(b, 'Z');
        break;
    case TF_Z7:
    case TF_OFF7:
        sb_putc(b, '.');
        sb_pad(b, (unsigned)msec, 3);
        sb_pad(b, sub % 10000, 4);
        if (f == TF_Z7) {
            sb_putc(b, 'Z');
        } else {
            SB_LIT(b, "+00:00");
        }
        break;
    default: break;
    }
}

int64_t sim_time_as_written(int64_t ms, enum sim_tfmt f)
{
    switch (f) {
    case TF_UAL:
    case TF_Z0:
    case TF_PURVIEW: return ms - ((ms % 1000) + 1000) % 1000;
    case TF_DATE: return ms - ((ms % SIM_DAY_MS) + SIM_DAY_MS) % SIM_DAY_MS;
    default: return ms;
    }
}
