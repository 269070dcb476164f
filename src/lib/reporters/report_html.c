/* report.html: the investigation report as one self-contained page. No script, no font, no
 * request: it opens offline from a USB stick and prints. Every string that came from a log is
 * escaped (log fields are attacker-controlled). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/buf.h"
#include "../core/json_out.h"
#include "../core/map.h"
#include "../engine/incidents.h"
#include "m365hunt/m365hunt.h"

static void esc_n(struct m365_buf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        unsigned char c = p[i];
        switch (c) {
        case '&': m365_buf_puts(b, "&amp;"); i++; continue;
        case '<': m365_buf_puts(b, "&lt;"); i++; continue;
        case '>': m365_buf_puts(b, "&gt;"); i++; continue;
        case '"': m365_buf_puts(b, "&quot;"); i++; continue;
        case '\'': m365_buf_puts(b, "&#39;"); i++; continue;
        default: break;
        }
        if (c < 0x20 && c != '\n' && c != '\t') {
            m365_buf_puts(b, "\xef\xbf\xbd");
            i++;
            continue;
        }
        size_t seq = c < 0x80 ? 1 : m365_utf8_seq(p + i, len - i);
        if (seq == 0 || c == 0x7f) {
            m365_buf_puts(b, "\xef\xbf\xbd"); /* invalid UTF-8 and DEL */
            i++;
            continue;
        }
        m365_buf_append(b, s + i, seq);
        i += seq;
    }
}

static void esc(struct m365_buf *b, const char *s)
{
    if (s) {
        esc_n(b, s, strlen(s));
    }
}

/* A list in one cell, a line each. */
static void esc_lines(struct m365_buf *b, const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i) {
            m365_buf_puts(b, "<br>");
        }
        esc(b, v[i]);
    }
}

/* What reached a mailbox: applications ("NAME (ID)", as the summaries write them), addresses,
 * sessions, tokens. */
static void via_lines(struct m365_buf *b, const struct m365_scan *s, const struct m365_exposure *e)
{
    char label[320];
    for (size_t i = 0; i < e->n_via; i++) {
        if (i) {
            m365_buf_puts(b, "<br>");
        }
        esc(b, m365_scan_app_label(s, e->via[i], label, sizeof(label)));
    }
}

/* Truncated, escaped text (labels in pictures). */
static void esc_short(struct m365_buf *b, const char *s, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n <= max) {
        esc(b, s);
        return;
    }
    size_t cut = max - 1;
    while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80) {
        cut--; /* never split a UTF-8 sequence */
    }
    esc_n(b, s, cut);
    m365_buf_puts(b, "\xe2\x80\xa6");
}

static void time_txt(struct m365_buf *b, int64_t ms)
{
    if (ms == INT64_MIN || ms == M365_TIME_NONE) {
        m365_buf_puts(b, "&ndash;");
        return;
    }
    char t[40];
    m365_format_time(ms, t, sizeof(t));
    m365_buf_printf(b, "%.10s %.8s", t, t + 11);
}

static const char *const phase_names[] = {"Initial access", "Persistence", "Privilege escalation",
                                          "Defence evasion", "Collection", "Other"};
static const char *const phase_colors[] = {"#2563eb", "#7c3aed", "#db2777",
                                           "#ea580c", "#b91c1c", "#6b7280"};

static const char *sev_class(enum m365_severity s)
{
    static const char *const c[] = {"sev-info", "sev-low", "sev-medium", "sev-high",
                                    "sev-critical"};
    return (unsigned)s <= M365_SEV_CRITICAL ? c[s] : "sev-info";
}

static const char css[] =
    "*{box-sizing:border-box}body{font:14px/1.45 -apple-system,'Segoe UI',Roboto,Helvetica,Arial,"
    "sans-serif;color:#111827;margin:0;background:#f9fafb}main{max-width:1000px;margin:0 auto;"
    "padding:24px}header{background:#111827;color:#f9fafb;padding:20px 24px}header h1{margin:0 0 "
    "4px;font-size:22px}header p{margin:2px 0;color:#d1d5db}nav a{color:#93c5fd;margin-right:14px}"
    "h2{border-bottom:2px solid #e5e7eb;padding-bottom:4px;margin-top:36px}section>article{"
    "background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:12px 16px;margin:12px 0;"
    "break-inside:avoid}article h3{margin:0 0 6px;font-size:16px}.badge{display:inline-block;"
    "border-radius:4px;padding:1px 7px;font-size:12px;font-weight:600;color:#fff;margin-right:6px}"
    ".sev-critical{background:#7f1d1d}.sev-high{background:#b91c1c}.sev-medium{background:#d97706}"
    ".sev-low{background:#2563eb}.sev-info{background:#6b7280}table{border-collapse:collapse;"
    "width:100%;margin:8px 0;font-size:13px}th,td{border:1px solid #e5e7eb;padding:3px 6px;"
    "text-align:left;vertical-align:top}th{background:#f3f4f6}td.num{text-align:right}code,pre{"
    "font:12px/1.4 ui-monospace,Menlo,Consolas,monospace}pre{background:#f3f4f6;padding:8px;"
    "overflow-x:auto;white-space:pre-wrap;word-break:break-all}.story{font-size:15px}.muted{"
    "color:#6b7280}dl{display:grid;grid-template-columns:150px 1fr;gap:2px 10px;margin:6px 0}"
    "dt{color:#6b7280}dd{margin:0;word-break:break-all}svg{max-width:100%;height:auto;"
    "background:#fff}.legend span{display:inline-block;margin-right:14px;font-size:12px}"
    ".legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}"
    ".sha{word-break:break-all;font-size:11px}"
    ".warn{background:#fffbeb;border-left:4px solid #f59e0b;padding:6px 10px}"
    "@media print{body{background:#fff}header{background:#fff;color:#000}nav{display:none}"
    "main{max-width:none;padding:0}}";

static void legend(struct m365_buf *b)
{
    m365_buf_puts(b, "<p class=\"legend\">");
    for (int i = 0; i < 6; i++) {
        m365_buf_printf(b, "<span><i style=\"background:%s\"></i>%s</span>", phase_colors[i],
                        phase_names[i]);
    }
    m365_buf_puts(b, "</p>");
}

static bool has_entity(const struct m365_finding *f, int kind, const char *v)
{
    for (size_t i = 0; i < f->entities[kind].n; i++) {
        if (strcmp(f->entities[kind].items[i], v) == 0) {
            return true;
        }
    }
    return false;
}

/* One lane per entity, a marker per finding, coloured by its ATT&CK phase. */
static void incident_svg(struct m365_buf *b, const struct m365_scan *s,
                         const struct m365_incident *inc)
{
    struct lane {
        int kind;
        const char *v;
    } lanes[12];
    size_t nl = 0;
    static const int order[] = {M365_ENT_USERS, M365_ENT_SERVICE_PRINCIPALS, M365_ENT_APPS,
                                M365_ENT_IPS, M365_ENT_MAILBOXES};
    static const size_t per_kind[] = {4, 2, 2, 3, 3};
    for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
        const struct m365_strlist *l = &inc->entities[order[o]];
        for (size_t i = 0; i < l->n && i < per_kind[o] && nl < 12; i++) {
            lanes[nl].kind = order[o];
            lanes[nl].v = l->items[i];
            nl++;
        }
    }
    int64_t t0 = inc->first_ms, t1 = inc->last_ms;
    if (t0 == M365_TIME_NONE || t1 == M365_TIME_NONE) {
        return;
    }
    if (t1 - t0 < M365_HOUR_MS) {
        t0 -= 1800000;
        t1 += 1800000;
    }
    const int W = 900, left = 230, right = 20, top = 28, lane_h = 26;
    int H = top + (int)(nl + 1) * lane_h + 30;
    double span = (double)(t1 - t0);
    m365_buf_printf(b,
                    "<svg role=\"img\" aria-label=\"incident %lld timeline\" viewBox=\"0 0 %d %d\" "
                    "width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\">",
                    (long long)inc->number, W, H, W, H);
    /* lanes */
    for (size_t i = 0; i <= nl; i++) {
        int y = top + (int)i * lane_h;
        m365_buf_printf(b,
                        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#e5e7eb\"/>"
                        "<text x=\"8\" y=\"%d\" font-size=\"12\" fill=\"#374151\">",
                        left, y + 13, W - right, y + 13, y + 17);
        if (i == nl) {
            m365_buf_puts(b, "(other findings)");
        } else {
            static const char *const kn[] = {"user", "ip", "app", "sp", "mailbox", "domain"};
            bool app = lanes[i].kind == M365_ENT_APPS ||
                       lanes[i].kind == M365_ENT_SERVICE_PRINCIPALS;
            char label[320];
            const char *v =
                app ? m365_scan_app_label(s, lanes[i].v, label, sizeof(label)) : lanes[i].v;
            m365_buf_printf(b, "%s: ", kn[lanes[i].kind]);
            esc_short(b, v, 30);
            if (v != lanes[i].v) { /* the whole id, on hover */
                m365_buf_puts(b, "<title>");
                esc(b, v);
                m365_buf_puts(b, "</title>");
            }
        }
        m365_buf_puts(b, "</text>");
    }
    /* axis */
    int ay = top + (int)(nl + 1) * lane_h + 4;
    m365_buf_printf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#9ca3af\"/>", left,
                    ay, W - right, ay);
    for (int k = 0; k <= 4; k++) {
        int64_t t = t0 + (int64_t)(span * k / 4);
        int x = left + (int)((W - left - right) * k / 4);
        char ts[40];
        m365_format_time(t, ts, sizeof(ts));
        m365_buf_printf(b,
                        "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#9ca3af\"/>"
                        "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#6b7280\" "
                        "text-anchor=\"%s\">%.5s %.5s</text>",
                        x, ay, x, ay + 5, x, ay + 18,
                        k == 0 ? "start" : k == 4 ? "end" : "middle", ts + 5, ts + 11);
    }
    /* markers */
    for (size_t k = 0; k < inc->n_findings; k++) {
        const struct m365_finding *f = m365_scan_finding(s, inc->findings[k]);
        if (f->first_ms == M365_TIME_NONE) {
            continue;
        }
        int phase = m365_rule_phase(f->rule);
        int x = left + (int)((double)(W - left - right) * (double)(f->first_ms - t0) / span);
        bool placed = false;
        for (size_t i = 0; i <= nl; i++) {
            bool here = i == nl ? !placed : has_entity(f, lanes[i].kind, lanes[i].v);
            if (!here) {
                continue;
            }
            placed = true;
            int y = top + (int)i * lane_h + 13;
            m365_buf_printf(b,
                            "<a href=\"#finding-%zu\"><circle cx=\"%d\" cy=\"%d\" r=\"6\" "
                            "fill=\"%s\" stroke=\"#fff\"><title>",
                            inc->findings[k], x, y, phase_colors[phase]);
            esc(b, f->rule);
            m365_buf_puts(b, ": ");
            esc(b, f->summary);
            m365_buf_puts(b, "</title></circle></a>");
        }
    }
    m365_buf_puts(b, "</svg>");
    legend(b);
}

/* Records per day per log source; days inside a source's span without records are hatched:
 * the blind spots. */
static void activity_svg(struct m365_buf *b, const struct m365_scan *s)
{
    const struct m365_coverage *cv = m365_scan_coverage(s);
    if (!cv->n_sources) {
        m365_buf_puts(b, "<p class=\"muted\">No dated records.</p>");
        return;
    }
    int64_t d0 = INT64_MAX, d1 = INT64_MIN;
    for (size_t i = 0; i < cv->n_sources; i++) {
        if (cv->sources[i].first_ms == INT64_MIN) {
            continue;
        }
        int64_t a = cv->sources[i].first_ms / M365_DAY_MS, z = cv->sources[i].last_ms / M365_DAY_MS;
        d0 = a < d0 ? a : d0;
        d1 = z > d1 ? z : d1;
    }
    if (d0 > d1) {
        return;
    }
    if (d1 - d0 >= 366) {
        d0 = d1 - 365; /* the latest year */
    }
    size_t nd = (size_t)(d1 - d0 + 1), ns = cv->n_sources;
    uint64_t *cnt = calloc(nd * ns, sizeof(*cnt));
    if (!cnt) {
        return;
    }
    struct m365_event buf;
    for (size_t i = 0; i < m365_scan_n_events(s); i++) {
        const struct m365_event *ev = m365_scan_event_brief(s, i, &buf);
        if (ev->time_ms == M365_TIME_NONE) {
            continue;
        }
        int64_t d = ev->time_ms / M365_DAY_MS;
        if (d < d0 || d > d1) {
            continue;
        }
        const char *name = m365_log_source_name(ev->log_source);
        for (size_t k = 0; k < ns; k++) {
            if (strcmp(cv->sources[k].source, name) == 0) {
                cnt[k * nd + (size_t)(d - d0)]++;
                break;
            }
        }
    }
    const int W = 900, left = 200, top = 10, row = 22;
    double cw = (double)(W - left - 10) / (double)nd;
    int H = top + (int)ns * row + 30;
    m365_buf_printf(b,
                    "<svg role=\"img\" aria-label=\"records per day per source\" viewBox=\"0 0 %d "
                    "%d\" width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\"><defs>"
                    "<pattern id=\"gap\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
                    "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" "
                    "fill=\"#fee2e2\"/><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#dc2626\" "
                    "stroke-width=\"2\"/></pattern></defs>",
                    W, H, W, H);
    for (size_t k = 0; k < ns; k++) {
        const struct m365_source_coverage *sc = &cv->sources[k];
        uint64_t max = 1;
        for (size_t d = 0; d < nd; d++) {
            max = cnt[k * nd + d] > max ? cnt[k * nd + d] : max;
        }
        int y = top + (int)k * row;
        m365_buf_printf(b, "<text x=\"8\" y=\"%d\" font-size=\"12\" fill=\"#374151\">", y + 15);
        esc(b, sc->source);
        m365_buf_puts(b, "</text>");
        int64_t a = sc->first_ms == INT64_MIN ? d1 + 1 : sc->first_ms / M365_DAY_MS;
        int64_t z = sc->last_ms == INT64_MIN ? d0 - 1 : sc->last_ms / M365_DAY_MS;
        for (size_t d = 0; d < nd; d++) {
            uint64_t c = cnt[k * nd + d];
            int64_t day = d0 + (int64_t)d;
            double x = left + cw * (double)d;
            char ds[40];
            m365_format_time(day * M365_DAY_MS, ds, sizeof(ds));
            if (c) {
                double alpha = 0.25 + 0.75 * log1p((double)c) / log1p((double)max);
                m365_buf_printf(b,
                                "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                                "fill=\"#2563eb\" fill-opacity=\"%.2f\"><title>%.10s: %llu "
                                "records</title></rect>",
                                x, y + 2, cw > 1.5 ? cw - 1 : cw, row - 6, alpha, ds,
                                (unsigned long long)c);
            } else if (day > a && day < z) {
                m365_buf_printf(b,
                                "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
                                "fill=\"url(#gap)\"><title>%.10s: no records</title></rect>",
                                x, y + 2, cw > 1.5 ? cw - 1 : cw, row - 6, ds);
            }
        }
    }
    char a1[40], a2[40];
    m365_format_time(d0 * M365_DAY_MS, a1, sizeof(a1));
    m365_format_time(d1 * M365_DAY_MS, a2, sizeof(a2));
    int ly = top + (int)ns * row + 16;
    m365_buf_printf(b,
                    "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#6b7280\">%.10s</text>"
                    "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#6b7280\" "
                    "text-anchor=\"end\">%.10s</text></svg>",
                    left, ly, a1, W - 10, ly, a2);
    free(cnt);
}

static void strlist_html(struct m365_buf *b, const struct m365_strlist *l)
{
    for (size_t i = 0; i < l->n; i++) {
        m365_buf_puts(b, i ? ", <code>" : "<code>");
        esc(b, l->items[i]);
        m365_buf_puts(b, "</code>");
    }
}

static void incidents(struct m365_buf *b, const struct m365_scan *s)
{
    m365_buf_puts(b, "<section id=\"incidents\"><h2>Incidents</h2>");
    if (!m365_scan_n_incidents(s)) {
        m365_buf_puts(b, "<p>No incident: no findings tie together, and none is high or "
                         "critical on its own.</p>");
    }
    for (size_t i = 0; i < m365_scan_n_incidents(s); i++) {
        const struct m365_incident *inc = m365_scan_incident(s, i);
        m365_buf_printf(b,
                        "<article class=\"incident\" id=\"incident-%lld\"><h3><span class=\"badge "
                        "%s\">%s</span>Incident #%lld</h3><p class=\"muted\">",
                        (long long)inc->number, sev_class(inc->severity),
                        m365_severity_name(inc->severity), (long long)inc->number);
        time_txt(b, inc->first_ms);
        m365_buf_puts(b, " &ndash; ");
        time_txt(b, inc->last_ms);
        m365_buf_printf(b, " UTC &middot; %zu finding%s</p><p class=\"story\">", inc->n_findings,
                        inc->n_findings == 1 ? "" : "s");
        esc(b, inc->story);
        m365_buf_puts(b, "</p>");
        incident_svg(b, s, inc);
        if (inc->n_exposed) {
            m365_buf_printf(b,
                            "<h4>Exposure: mailboxes read (%zu)</h4><table><tr><th>mailbox</th>"
                            "<th>items</th><th>records</th><th>folders</th><th>first access</th>"
                            "<th>last access</th><th>via</th><th>from</th></tr>",
                            inc->n_exposed);
            for (size_t k = 0; k < inc->n_exposed; k++) {
                const struct m365_exposure *e = &inc->exposed[k];
                m365_buf_puts(b, "<tr><td>");
                esc(b, e->mailbox);
                m365_buf_printf(b, "</td><td class=\"num\">%llu</td><td class=\"num\">%u",
                                (unsigned long long)e->items, e->records);
                if (e->graph_requests) {
                    char size[32] = "", text[24];
                    if (e->graph_bytes) {
                        m365_format_bytes(e->graph_bytes, text, sizeof(text));
                        snprintf(size, sizeof(size), ", %s", text);
                    }
                    m365_buf_printf(b, " (%u Graph request%s%s)", e->graph_requests,
                                    e->graph_requests > 1 ? "s" : "", size);
                }
                m365_buf_puts(b, "</td><td>");
                esc_lines(b, e->folders, e->n_folders);
                m365_buf_puts(b, "</td><td>");
                time_txt(b, e->first_ms);
                m365_buf_puts(b, "</td><td>");
                time_txt(b, e->last_ms);
                m365_buf_puts(b, "</td><td>");
                via_lines(b, s, e);
                m365_buf_puts(b, "</td><td>");
                esc_lines(b, e->ips, e->n_ips);
                m365_buf_puts(b, "</td></tr>");
            }
            m365_buf_puts(b, "</table>");
        }
        if (inc->set_aside.records) {
            m365_buf_printf(b,
                            "<p class=\"muted\">Not counted: %llu mail read%s (%llu items) in "
                            "the sessions or with the tokens the attacker took, from addresses "
                            "that had signed users in for two days or more before (the "
                            "owner's own use): ",
                            (unsigned long long)inc->set_aside.records,
                            inc->set_aside.records > 1 ? "s" : "",
                            (unsigned long long)inc->set_aside.items);
            for (size_t k = 0; k < inc->set_aside.n_ips; k++) {
                m365_buf_puts(b, k ? ", " : "");
                esc(b, inc->set_aside.ips[k]);
            }
            m365_buf_puts(b, ".</p>");
        }
        if (inc->n_blind) {
            m365_buf_puts(b, "<h4>Not auditable</h4><table><tr><th>mailbox</th><th>why</th>"
                             "<th>from</th><th>to</th></tr>");
            for (size_t k = 0; k < inc->n_blind; k++) {
                const struct m365_blind_spot *bs = &inc->blind[k];
                m365_buf_puts(b, "<tr><td>");
                esc(b, bs->mailbox);
                m365_buf_puts(b, "</td><td>");
                esc(b, bs->reason);
                m365_buf_puts(b, "</td><td>");
                time_txt(b, bs->from_ms);
                m365_buf_puts(b, "</td><td>");
                if (bs->to_ms == M365_TIME_NONE) {
                    m365_buf_puts(b, "end of the evidence");
                } else {
                    time_txt(b, bs->to_ms);
                }
                m365_buf_puts(b, "</td></tr>");
            }
            m365_buf_puts(b, "</table>");
        }
        m365_buf_puts(b, "<p>Findings: ");
        for (size_t k = 0; k < inc->n_findings; k++) {
            const struct m365_finding *f = m365_scan_finding(s, inc->findings[k]);
            m365_buf_printf(b, "%s<a href=\"#finding-%zu\">", k ? ", " : "", inc->findings[k]);
            esc(b, f->rule);
            m365_buf_puts(b, "</a>");
        }
        m365_buf_puts(b, "</p></article>");
    }
    m365_buf_puts(b, "</section>");
}

static void findings(struct m365_buf *b, const struct m365_scan *s)
{
    static const char *const ek[] = {"users", "IPs", "apps", "service principals", "mailboxes",
                                     "domains"};
    m365_buf_printf(b, "<section id=\"findings\"><h2>Findings (%zu)</h2>",
                    m365_scan_n_findings(s));
    for (size_t i = 0; i < m365_scan_n_findings(s); i++) {
        const struct m365_finding *f = m365_scan_finding(s, i);
        m365_buf_printf(b,
                        "<article class=\"finding\" id=\"finding-%zu\"><h3><span class=\"badge "
                        "%s\">%s</span>",
                        i, sev_class(f->severity), m365_severity_name(f->severity));
        esc(b, f->rule);
        m365_buf_puts(b, " &mdash; ");
        esc(b, f->title);
        m365_buf_puts(b, "</h3><p>");
        esc(b, f->summary);
        m365_buf_puts(b, "</p><dl><dt>first / last seen</dt><dd>");
        time_txt(b, f->first_ms);
        m365_buf_puts(b, " &ndash; ");
        time_txt(b, f->last_ms);
        m365_buf_puts(b, " UTC</dd><dt>incident</dt><dd>");
        if (f->incident >= 0) {
            m365_buf_printf(b, "<a href=\"#incident-%lld\">#%lld</a>", (long long)f->incident,
                            (long long)f->incident);
        } else {
            m365_buf_puts(b, "none");
        }
        m365_buf_puts(b, "</dd><dt>ATT&amp;CK</dt><dd>");
        for (size_t k = 0; k < f->n_techniques; k++) {
            m365_buf_puts(b, k ? ", " : "");
            esc(b, f->techniques[k]);
        }
        m365_buf_puts(b, "</dd>");
        for (int k = 0; k < M365_ENT__COUNT; k++) {
            if (f->entities[k].n) {
                m365_buf_printf(b, "<dt>%s</dt><dd>", ek[k]);
                strlist_html(b, &f->entities[k]);
                m365_buf_puts(b, "</dd>");
            }
        }
        m365_buf_puts(b, "</dl><details><summary>details</summary><pre>");
        esc(b, f->details_json);
        m365_buf_printf(b,
                        "</pre></details><table><tr><th>time</th><th>operation</th><th>file:line"
                        "</th><th>record id</th></tr>");
        for (size_t k = 0; k < f->n_evidence; k++) {
            const struct m365_event *ev = f->evidence[k];
            m365_buf_puts(b, "<tr><td>");
            time_txt(b, ev->time_ms);
            m365_buf_puts(b, "</td><td>");
            esc(b, ev->operation_raw ? ev->operation_raw : ev->operation);
            m365_buf_puts(b, "</td><td><code>");
            esc(b, ev->evidence.file);
            m365_buf_printf(b, ":%llu</code></td><td><code>", (unsigned long long)ev->evidence.line);
            esc(b, ev->evidence.record_id);
            m365_buf_puts(b, "</code></td></tr>");
        }
        m365_buf_printf(b, "</table><p class=\"muted\">%llu event%s behind this finding%s.</p>"
                           "</article>",
                        (unsigned long long)f->evidence_total, f->evidence_total == 1 ? "" : "s",
                        f->evidence_total > f->n_evidence ? "; the earliest are listed" : "");
    }
    m365_buf_puts(b, "</section>");
}

static void coverage(struct m365_buf *b, const struct m365_scan *s)
{
    const struct m365_coverage *cv = m365_scan_coverage(s);
    m365_buf_puts(b, "<section id=\"coverage\"><h2>Coverage: what an empty result does not "
                     "prove</h2><h3>Evidence activity</h3>");
    activity_svg(b, s);
    m365_buf_puts(b, "<table><tr><th>log source</th><th>events</th><th>first</th><th>last</th>"
                     "<th>days</th><th>days without records</th></tr>");
    for (size_t i = 0; i < cv->n_sources; i++) {
        const struct m365_source_coverage *sc = &cv->sources[i];
        m365_buf_puts(b, "<tr><td>");
        esc(b, sc->source);
        m365_buf_printf(b, "</td><td class=\"num\">%llu</td><td>", (unsigned long long)sc->events);
        time_txt(b, sc->first_ms);
        m365_buf_puts(b, "</td><td>");
        time_txt(b, sc->last_ms);
        m365_buf_printf(b, "</td><td class=\"num\">%u</td><td>", sc->days);
        for (size_t g = 0; g < sc->n_gaps && g < 50; g++) {
            char a[40], z[40];
            m365_format_time(sc->gaps[g].from_ms, a, sizeof(a));
            m365_format_time(sc->gaps[g].to_ms - 1, z, sizeof(z));
            m365_buf_printf(b, "%s%.10s", g ? "<br>" : "", a);
            if (strncmp(a, z, 10) != 0) {
                m365_buf_printf(b, " to %.10s", z);
            }
        }
        m365_buf_puts(b, "</td></tr>");
    }
    m365_buf_puts(b, "</table>");
    if (cv->n_cut_searches) {
        m365_buf_puts(b, "<h3>Search-UnifiedAuditLog exports cut short</h3><p>Their rows stop "
                         "short of the results their search reported: the rest were never "
                         "exported (the cmdlet returns at most 50,000 results per session). "
                         "Search again in shorter time slices.</p><table><tr><th>file</th>"
                         "<th>results reported</th><th>last result exported</th>"
                         "<th>never exported</th></tr>");
        for (size_t i = 0; i < cv->n_cut_searches; i++) {
            const struct m365_cut_search *cs = &cv->cut_searches[i];
            m365_buf_puts(b, "<tr><td>");
            esc(b, cs->file);
            m365_buf_printf(b, "</td><td class=\"num\">%llu</td><td class=\"num\">%llu</td>"
                               "<td class=\"num\"><strong>%llu</strong></td></tr>",
                            (unsigned long long)cs->result_count,
                            (unsigned long long)cs->last_index,
                            (unsigned long long)(cs->result_count - cs->last_index));
        }
        m365_buf_puts(b, "</table>");
    }
    if (cv->n_cut_pages) {
        m365_buf_puts(b, "<h3>Paged exports with no last page</h3><p>Every page names a next "
                         "one (<code>@odata.nextLink</code>): the collector stopped before the "
                         "end, and the records after them were never saved.</p><table><tr>"
                         "<th>format</th><th>log source</th><th>pages</th><th>first file</th></tr>");
        for (size_t i = 0; i < cv->n_cut_pages; i++) {
            const struct m365_cut_pages *cp = &cv->cut_pages[i];
            m365_buf_puts(b, "<tr><td>");
            esc(b, cp->format);
            m365_buf_puts(b, "</td><td>");
            char of[200];
            m365_log_sources_text(cp->sources, of, sizeof(of));
            esc(b, *of ? of : "(no records)");
            m365_buf_printf(b, "</td><td class=\"num\">%llu</td><td>",
                            (unsigned long long)cp->pages);
            esc(b, cp->file);
            m365_buf_puts(b, "</td></tr>");
        }
        m365_buf_puts(b, "</table>");
    }
    m365_buf_printf(b,
                    "<h3>Mailbox reads (MailItemsAccessed)</h3><p>%zu mailboxes log "
                    "reads; <strong>%zu owners sign in but their mailbox logs none</strong> (no "
                    "Audit Premium licence, auditing off or bypassed): reads of those mailboxes "
                    "cannot be seen.</p>",
                    cv->n_visible, cv->n_invisible);
    /* The Graph activity log does not depend on the mailbox's auditing. */
    const struct m365_source_stats *ga = m365_scan_log_stats(s, M365_LOG_GRAPH_ACTIVITY);
    if (ga && ga->events) {
        m365_buf_puts(b, "<p>The Graph activity log covers ");
        time_txt(b, ga->first_ms);
        m365_buf_puts(b, " &ndash; ");
        time_txt(b, ga->last_ms);
        m365_buf_puts(b, " UTC: Graph reads of any mailbox are logged there whatever its auditing "
                         "(EWS, Outlook and OWA reads are not).</p>");
    }
    m365_buf_puts(b, "<table><tr><th>mailbox</th><th>read records</th><th>owner sign-ins</th>"
                     "<th>auditing off</th><th>throttled</th></tr>");
    for (size_t i = 0; i < cv->n_mailboxes && i < 500; i++) {
        const struct m365_mailbox_coverage *m = &cv->mailboxes[i];
        m365_buf_puts(b, "<tr><td>");
        esc(b, m->mailbox);
        m365_buf_printf(b, "</td><td class=\"num\">%llu</td><td class=\"num\">%llu</td><td>",
                        (unsigned long long)m->mail_access_records,
                        (unsigned long long)m->owner_signins);
        if (m->audit_off) {
            m365_buf_puts(b, "from ");
            time_txt(b, m->audit_off_from);
        }
        m365_buf_puts(b, "</td><td>");
        if (m->throttled) {
            time_txt(b, m->throttled_at);
        }
        m365_buf_puts(b, "</td></tr>");
    }
    m365_buf_puts(b, "</table>");
    size_t nne = m365_scan_n_not_evaluated(s);
    for (int part = 0; part < 2; part++) {
        m365_buf_puts(b, part ? "<h3>Rules evaluated in part</h3>"
                              : "<h3>Rules not evaluated</h3>");
        size_t shown = 0;
        for (size_t i = 0; i < nne; i++) {
            if (m365_scan_not_evaluated_in_part(s, i) != (part == 1)) {
                continue;
            }
            const char *rule, *reason;
            m365_scan_not_evaluated(s, i, &rule, &reason);
            m365_buf_puts(b, shown++ ? "<li><code>" : "<ul><li><code>");
            esc(b, rule);
            m365_buf_puts(b, "</code>: ");
            esc(b, reason);
            m365_buf_puts(b, "</li>");
        }
        m365_buf_puts(b, shown ? "</ul>"
                               : part ? "<p>Every rule that ran judged all it covers.</p>"
                                      : "<p>Every rule ran.</p>");
    }
    m365_buf_puts(b, "</section>");
}

static void run_section(struct m365_buf *b, const struct m365_scan *s,
                        const struct m365_report_meta *meta)
{
    m365_buf_puts(b, "<section id=\"run\"><h2>This run</h2><dl><dt>command</dt><dd><code>m365hunt");
    for (int i = 0; meta && i < meta->argc; i++) {
        m365_buf_putc(b, ' ');
        esc(b, meta->argv[i]);
    }
    m365_buf_printf(b, "</code></dd><dt>tool version</dt><dd>%s (finding schema %d)</dd>",
                    M365HUNT_VERSION, M365HUNT_SCHEMA_VERSION);
    m365_buf_printf(b, "<dt>elapsed</dt><dd>%.2f s</dd><dt>tenant</dt><dd>",
                    meta ? meta->elapsed_seconds : 0.0);
    esc(b, m365_scan_home_tenant(s) ? m365_scan_home_tenant(s) : "unknown");
    if (m365_scan_n_tenants(s) > 1) { /* read as one tenant by every rule: say so */
        m365_buf_puts(b, "</dd><dt>records of several tenants</dt><dd>");
        for (size_t i = 0; i < m365_scan_n_tenants(s); i++) {
            const struct m365_tenant_records *t = m365_scan_tenant(s, i);
            m365_buf_puts(b, i ? ", <code>" : "<code>");
            esc(b, t->id);
            m365_buf_printf(b, "</code> (%llu record%s)", (unsigned long long)t->records,
                            t->records == 1 ? "" : "s");
        }
        m365_buf_puts(b, ": the rules read them as one tenant; scan each tenant's evidence apart");
    }
    struct m365_source_stats tot = m365_scan_totals(s);
    m365_buf_printf(b,
                    "</dd><dt>records</dt><dd>read %llu = parsed %llu + skipped %llu + "
                    "duplicates %llu</dd></dl>",
                    (unsigned long long)tot.records_read, (unsigned long long)tot.parsed,
                    (unsigned long long)tot.skipped, (unsigned long long)tot.duplicates);
    if (m365_scan_n_archives(s)) {
        m365_buf_puts(b, "<table><tr><th>evidence archive</th><th>bytes</th><th>SHA-256</th>"
                         "<th>files</th></tr>");
        for (size_t i = 0; i < m365_scan_n_archives(s); i++) {
            const struct m365_archive_stats *a = m365_scan_archive(s, i);
            m365_buf_puts(b, "<tr><td><code>");
            esc(b, a->path);
            m365_buf_printf(b,
                            "</code></td><td class=\"num\">%llu</td><td><code class=\"sha\">%s"
                            "</code></td><td class=\"num\">%llu</td></tr>",
                            (unsigned long long)a->bytes, a->sha256[0] ? a->sha256 : "&ndash;",
                            (unsigned long long)a->members);
        }
        m365_buf_puts(b, "</table>");
    }
    if (m365_scan_n_enrichment(s)) {
        m365_buf_puts(b, "<table><tr><th>enrichment</th><th>file</th><th>what</th></tr>");
        for (size_t i = 0; i < m365_scan_n_enrichment(s); i++) {
            const struct m365_enrichment_source *e = m365_scan_enrichment(s, i);
            m365_buf_printf(b, "<tr><td><code>--%s</code></td><td><code>", e->option);
            esc(b, e->path);
            m365_buf_puts(b, "</code></td><td>");
            if (e->database_type) {
                char built[32];
                m365_format_time(e->built_ms, built, sizeof(built));
                esc(b, e->database_type);
                m365_buf_printf(b, ", built %.10s", built);
            } else {
                m365_buf_printf(b, "%llu prefix%s", (unsigned long long)e->prefixes,
                                e->prefixes == 1 ? "" : "es");
            }
            char use[160];
            m365_enrichment_use(e, use, sizeof(use));
            if (use[0]) {
                m365_buf_puts(b, "; ");
                esc(b, use);
            }
            m365_buf_puts(b, "</td></tr>");
        }
        m365_buf_puts(b, "</table>");
    }
    for (size_t i = 0; i < m365_scan_n_overlaps(s); i++) {
        const struct m365_overlap *o = m365_scan_overlap(s, i);
        m365_buf_printf(b, "<p class=\"warn\">%llu record%s read as ",
                        (unsigned long long)o->records, o->records == 1 ? "" : "s");
        esc(b, o->second_format);
        m365_buf_printf(b, " %s the id of one read as ", o->records == 1 ? "has" : "have");
        esc(b, o->first_format);
        m365_buf_puts(b, ", written another way: one log in two shapes, seen twice by the "
                         "detections, whose counts may be doubled (e.g. <code>");
        esc(b, o->file);
        m365_buf_printf(b, ":%llu</code>, record <code>", (unsigned long long)o->line);
        esc(b, o->record_id);
        m365_buf_puts(b, "</code>). Give one export of each log.</p>");
    }
    m365_buf_puts(b, "<table><tr><th>evidence file</th><th>format</th><th>bytes</th>"
                     "<th>SHA-256</th><th>read</th><th>parsed</th><th>skipped</th><th>dups</th>"
                     "</tr>");
    for (size_t i = 0; i < m365_scan_n_files(s); i++) {
        const struct m365_file_stats *fs = m365_scan_file(s, i);
        m365_buf_puts(b, "<tr><td><code>");
        esc(b, fs->path);
        m365_buf_puts(b, "</code></td><td>");
        esc(b, fs->reader ? fs->reader : (fs->error ? fs->error : "not read"));
        m365_buf_printf(b, "</td><td class=\"num\">%llu</td><td><code class=\"sha\">%s</code></td>",
                        (unsigned long long)fs->bytes, fs->sha256[0] ? fs->sha256 : "&ndash;");
        m365_buf_printf(b,
                        "<td class=\"num\">%llu</td><td class=\"num\">%llu</td><td class=\"num\">"
                        "%llu</td><td class=\"num\">%llu</td></tr>",
                        (unsigned long long)fs->records_read, (unsigned long long)fs->parsed,
                        (unsigned long long)fs->skipped, (unsigned long long)fs->duplicates);
    }
    m365_buf_puts(b, "</table></section>");
}

enum m365_status m365_scan_write_report_html(const struct m365_scan *s,
                                             const struct m365_report_meta *meta,
                                             m365_write_fn w, void *user)
{
    struct m365_buf b;
    m365_buf_init(&b, 0);
    struct m365_source_stats tot = m365_scan_totals(s);
    m365_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                      "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
                      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                      "style-src 'unsafe-inline'; img-src data:\"><title>m365hunt report");
    if (m365_scan_home_tenant(s)) {
        m365_buf_puts(&b, " &mdash; tenant ");
        esc(&b, m365_scan_home_tenant(s));
    }
    m365_buf_printf(&b, "</title><style>%s</style></head><body data-incidents=\"%zu\" "
                        "data-findings=\"%zu\"><header><h1>m365hunt investigation report</h1><p>",
                    css, m365_scan_n_incidents(s), m365_scan_n_findings(s));
    m365_buf_printf(&b, "<strong>%zu incident%s</strong>, <strong>%zu finding%s</strong> from %llu "
                        "events (",
                    m365_scan_n_incidents(s), m365_scan_n_incidents(s) == 1 ? "" : "s",
                    m365_scan_n_findings(s), m365_scan_n_findings(s) == 1 ? "" : "s",
                    (unsigned long long)tot.events);
    time_txt(&b, tot.first_ms);
    m365_buf_puts(&b, " &ndash; ");
    time_txt(&b, tot.last_ms);
    m365_buf_printf(&b, " UTC) in %zu evidence files.</p><nav><a href=\"#incidents\">Incidents</a>"
                        "<a href=\"#findings\">Findings</a><a href=\"#coverage\">Coverage</a>"
                        "<a href=\"#run\">This run</a></nav></header><main>",
                    m365_scan_n_files(s));
    incidents(&b, s);
    findings(&b, s);
    coverage(&b, s);
    run_section(&b, s, meta);
    m365_buf_puts(&b, "</main></body></html>\n");
    enum m365_status st = b.failed ? M365_E_NOMEM : w(b.data, b.len, user) == 0 ? M365_OK : M365_E_IO;
    m365_buf_free(&b);
    return st;
}
