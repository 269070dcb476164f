/* The JSON report (--format json, report.json): evidence accounting, coverage, rules not
 * evaluated, findings, incidents. Schema: docs/findings.md and docs/cli.md. */
#include <string.h>

#include "../core/buf.h"
#include "../core/json_out.h"
#include "../snapshot/snap.h"
#include "m365hunt/m365hunt.h"

static void time_or_null(struct m365_buf *b, int64_t ms)
{
    if (ms == INT64_MIN) {
        m365_buf_puts(b, "null");
    } else {
        m365_json_time(b, ms);
    }
}

static void stats(struct m365_buf *b, const struct m365_source_stats *st)
{
    int f = 1;
    m365_buf_putc(b, '{');
    m365_json_key(b, &f, "name");
    m365_json_cstr(b, st->name);
    m365_json_key(b, &f, "files");
    m365_buf_printf(b, "%u", st->n_files);
    m365_json_key(b, &f, "records_read");
    m365_buf_printf(b, "%llu", (unsigned long long)st->records_read);
    m365_json_key(b, &f, "parsed");
    m365_buf_printf(b, "%llu", (unsigned long long)st->parsed);
    m365_json_key(b, &f, "skipped");
    m365_buf_printf(b, "%llu", (unsigned long long)st->skipped);
    m365_json_key(b, &f, "duplicates");
    m365_buf_printf(b, "%llu", (unsigned long long)st->duplicates);
    m365_json_key(b, &f, "events");
    m365_buf_printf(b, "%llu", (unsigned long long)st->events);
    m365_json_key(b, &f, "first");
    time_or_null(b, st->first_ms);
    m365_json_key(b, &f, "last");
    time_or_null(b, st->last_ms);
    m365_buf_putc(b, '}');
}

static void strlist(struct m365_buf *b, const char *const *v, size_t n)
{
    m365_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) {
            m365_buf_putc(b, ',');
        }
        m365_json_cstr(b, v[i]);
    }
    m365_buf_putc(b, ']');
}

static void evidence(struct m365_buf *b, const struct m365_scan *s)
{
    int f = 1;
    m365_buf_putc(b, '{');
    m365_json_key(b, &f, "tenants");
    m365_buf_putc(b, '[');
    for (size_t i = 0; i < m365_scan_n_tenants(s); i++) {
        const struct m365_tenant_records *t = m365_scan_tenant(s, i);
        int ff = 1;
        m365_buf_puts(b, i ? ",{" : "{");
        m365_json_key(b, &ff, "tenant_id");
        m365_json_cstr(b, t->id);
        m365_json_key(b, &ff, "records");
        m365_buf_printf(b, "%llu", (unsigned long long)t->records);
        m365_buf_putc(b, '}');
    }
    m365_buf_putc(b, ']');
    m365_json_key(b, &f, "files");
    m365_buf_putc(b, '[');
    for (size_t i = 0; i < m365_scan_n_files(s); i++) {
        const struct m365_file_stats *fs = m365_scan_file(s, i);
        int ff = 1;
        m365_buf_puts(b, i ? ",{" : "{");
        m365_json_key(b, &ff, "path");
        m365_json_cstr(b, fs->path);
        m365_json_key(b, &ff, "format");
        m365_json_cstr(b, fs->reader);
        m365_json_key(b, &ff, "compression");
        m365_json_cstr(b, fs->compression);
        m365_json_key(b, &ff, "bytes");
        m365_buf_printf(b, "%llu", (unsigned long long)fs->bytes);
        m365_json_key(b, &ff, "records_read");
        m365_buf_printf(b, "%llu", (unsigned long long)fs->records_read);
        m365_json_key(b, &ff, "parsed");
        m365_buf_printf(b, "%llu", (unsigned long long)fs->parsed);
        m365_json_key(b, &ff, "skipped");
        m365_buf_printf(b, "%llu", (unsigned long long)fs->skipped);
        m365_json_key(b, &ff, "duplicates");
        m365_buf_printf(b, "%llu", (unsigned long long)fs->duplicates);
        m365_json_key(b, &ff, "untimed");
        m365_buf_printf(b, "%llu", (unsigned long long)fs->untimed);
        m365_json_key(b, &ff, "first");
        time_or_null(b, fs->first_ms);
        m365_json_key(b, &ff, "last");
        time_or_null(b, fs->last_ms);
        m365_json_key(b, &ff, "error");
        m365_json_cstr(b, fs->status != M365_OK ? fs->error : NULL);
        m365_json_key(b, &ff, "sha256");
        m365_json_cstr(b, fs->sha256[0] ? fs->sha256 : NULL);
        m365_buf_putc(b, '}');
    }
    m365_buf_putc(b, ']');
    m365_json_key(b, &f, "archives");
    m365_buf_putc(b, '[');
    for (size_t i = 0; i < m365_scan_n_archives(s); i++) {
        const struct m365_archive_stats *a = m365_scan_archive(s, i);
        int ff = 1;
        m365_buf_puts(b, i ? ",{" : "{");
        m365_json_key(b, &ff, "path");
        m365_json_cstr(b, a->path);
        m365_json_key(b, &ff, "bytes");
        m365_buf_printf(b, "%llu", (unsigned long long)a->bytes);
        m365_json_key(b, &ff, "members");
        m365_buf_printf(b, "%llu", (unsigned long long)a->members);
        m365_json_key(b, &ff, "sha256");
        m365_json_cstr(b, a->sha256[0] ? a->sha256 : NULL);
        m365_buf_putc(b, '}');
    }
    m365_buf_putc(b, ']');
    m365_json_key(b, &f, "overlaps");
    m365_buf_putc(b, '[');
    for (size_t i = 0; i < m365_scan_n_overlaps(s); i++) {
        const struct m365_overlap *o = m365_scan_overlap(s, i);
        int ff = 1;
        m365_buf_puts(b, i ? ",{" : "{");
        m365_json_key(b, &ff, "formats");
        m365_buf_putc(b, '[');
        m365_json_cstr(b, o->first_format);
        m365_buf_putc(b, ',');
        m365_json_cstr(b, o->second_format);
        m365_buf_putc(b, ']');
        m365_json_key(b, &ff, "records");
        m365_buf_printf(b, "%llu", (unsigned long long)o->records);
        m365_json_key(b, &ff, "file");
        m365_json_cstr(b, o->file);
        m365_json_key(b, &ff, "line");
        m365_buf_printf(b, "%llu", (unsigned long long)o->line);
        m365_json_key(b, &ff, "record_id");
        m365_json_cstr(b, o->record_id);
        m365_buf_putc(b, '}');
    }
    m365_buf_putc(b, ']');
    m365_json_key(b, &f, "formats");
    m365_buf_putc(b, '[');
    for (size_t i = 0; i < m365_scan_n_readers(s); i++) {
        if (i) {
            m365_buf_putc(b, ',');
        }
        stats(b, m365_scan_reader_stats(s, i));
    }
    m365_buf_putc(b, ']');
    m365_json_key(b, &f, "log_sources");
    m365_buf_putc(b, '[');
    int first = 1;
    for (int l = 0; l < M365_LOG__COUNT; l++) {
        const struct m365_source_stats *st = m365_scan_log_stats(s, (enum m365_log_source)l);
        if (st && st->events) {
            if (!first) {
                m365_buf_putc(b, ',');
            }
            first = 0;
            stats(b, st);
        }
    }
    m365_buf_putc(b, ']');
    struct m365_source_stats tot = m365_scan_totals(s);
    m365_json_key(b, &f, "totals");
    stats(b, &tot);
    m365_buf_putc(b, '}');
}

static void coverage(struct m365_buf *b, const struct m365_coverage *c)
{
    int f = 1;
    m365_buf_putc(b, '{');
    m365_json_key(b, &f, "sources");
    m365_buf_putc(b, '[');
    for (size_t i = 0; i < c->n_sources; i++) {
        const struct m365_source_coverage *sc = &c->sources[i];
        int sf = 1;
        m365_buf_puts(b, i ? ",{" : "{");
        m365_json_key(b, &sf, "source");
        m365_json_cstr(b, sc->source);
        m365_json_key(b, &sf, "events");
        m365_buf_printf(b, "%llu", (unsigned long long)sc->events);
        m365_json_key(b, &sf, "first");
        time_or_null(b, sc->first_ms);
        m365_json_key(b, &sf, "last");
        time_or_null(b, sc->last_ms);
        m365_json_key(b, &sf, "days");
        m365_buf_printf(b, "%u", sc->days);
        m365_json_key(b, &sf, "gaps");
        m365_buf_putc(b, '[');
        for (size_t g = 0; g < sc->n_gaps; g++) {
            int gf = 1;
            m365_buf_puts(b, g ? ",{" : "{");
            m365_json_key(b, &gf, "from");
            m365_json_time(b, sc->gaps[g].from_ms);
            m365_json_key(b, &gf, "to");
            m365_json_time(b, sc->gaps[g].to_ms);
            m365_buf_putc(b, '}');
        }
        m365_buf_puts(b, "]}");
    }
    m365_buf_putc(b, ']');
    m365_json_key(b, &f, "mailboxes_visible");
    m365_buf_printf(b, "%zu", c->n_visible);
    m365_json_key(b, &f, "mailboxes_invisible");
    m365_buf_printf(b, "%zu", c->n_invisible);
    m365_json_key(b, &f, "mailboxes_not_auditable");
    m365_buf_printf(b, "%zu", c->n_not_auditable);
    m365_json_key(b, &f, "mailboxes");
    m365_buf_putc(b, '[');
    for (size_t i = 0; i < c->n_mailboxes; i++) {
        const struct m365_mailbox_coverage *m = &c->mailboxes[i];
        int mf = 1;
        m365_buf_puts(b, i ? ",{" : "{");
        m365_json_key(b, &mf, "mailbox");
        m365_json_cstr(b, m->mailbox);
        m365_json_key(b, &mf, "mail_access_records");
        m365_buf_printf(b, "%llu", (unsigned long long)m->mail_access_records);
        m365_json_key(b, &mf, "owner_signins");
        m365_buf_printf(b, "%llu", (unsigned long long)m->owner_signins);
        m365_json_key(b, &mf, "visible");
        m365_buf_puts(b, m->mail_access_records ? "true" : "false");
        m365_json_key(b, &mf, "audit_off");
        if (m->audit_off) {
            int af = 1;
            m365_buf_putc(b, '{');
            m365_json_key(b, &af, "from");
            m365_json_time(b, m->audit_off_from);
            m365_json_key(b, &af, "to");
            m365_json_time(b, m->audit_off_to);
            m365_buf_putc(b, '}');
        } else {
            m365_buf_puts(b, "null");
        }
        m365_json_key(b, &mf, "throttled_at");
        if (m->throttled) {
            m365_json_time(b, m->throttled_at);
        } else {
            m365_buf_puts(b, "null");
        }
        m365_json_key(b, &mf, "not_auditable");
        m365_json_cstr(b, m->not_auditable);
        m365_buf_putc(b, '}');
    }
    m365_buf_putc(b, ']');
    m365_json_key(b, &f, "cut_searches");
    m365_buf_putc(b, '[');
    for (size_t i = 0; i < c->n_cut_searches; i++) {
        const struct m365_cut_search *cs = &c->cut_searches[i];
        int cf = 1;
        m365_buf_puts(b, i ? ",{" : "{");
        m365_json_key(b, &cf, "file");
        m365_json_cstr(b, cs->file);
        m365_json_key(b, &cf, "result_count");
        m365_buf_printf(b, "%llu", (unsigned long long)cs->result_count);
        m365_json_key(b, &cf, "last_index");
        m365_buf_printf(b, "%llu", (unsigned long long)cs->last_index);
        m365_buf_putc(b, '}');
    }
    m365_buf_putc(b, ']');
    m365_json_key(b, &f, "cut_pages");
    m365_buf_putc(b, '[');
    for (size_t i = 0; i < c->n_cut_pages; i++) {
        const struct m365_cut_pages *cp = &c->cut_pages[i];
        int cf = 1;
        m365_buf_puts(b, i ? ",{" : "{");
        m365_json_key(b, &cf, "format");
        m365_json_cstr(b, cp->format);
        m365_json_key(b, &cf, "sources");
        m365_buf_putc(b, '[');
        for (int k = 0, any = 0; k < M365_LOG__COUNT; k++) {
            if (cp->sources & (1u << k)) {
                m365_buf_puts(b, any++ ? "," : "");
                m365_json_cstr(b, m365_log_source_name((enum m365_log_source)k));
            }
        }
        m365_buf_putc(b, ']');
        m365_json_key(b, &cf, "file");
        m365_json_cstr(b, cp->file);
        m365_json_key(b, &cf, "pages");
        m365_buf_printf(b, "%llu", (unsigned long long)cp->pages);
        m365_buf_putc(b, '}');
    }
    m365_buf_puts(b, "]}");
}

/* The tenant snapshot loaded beside the logs: object counts, its time, the home tenant it
 * suggests (the scan's tenant_id says which one was used); null when none was. */
static void snapshot(struct m365_buf *b, const struct m365_scan *s)
{
    const struct m365_snapshot *snap = m365_scan_snapshot(s);
    if (!snap) {
        m365_buf_puts(b, "null");
        return;
    }
    struct m365_snapshot_counts k = m365_snapshot_counts(snap);
    int f = 1;
    m365_buf_putc(b, '{');
    m365_json_key(b, &f, "as_of");
    m365_json_time(b, k.as_of_ms);
    m365_snapshot_counts_json(b, &f, &k);
    m365_buf_putc(b, '}');
}

static void incidents(struct m365_buf *b, const struct m365_scan *s)
{
    static const char *const ent_keys[M365_ENT__COUNT] = {
        "users", "ips", "apps", "service_principals", "mailboxes", "domains"};
    m365_buf_putc(b, '[');
    for (size_t i = 0; i < m365_scan_n_incidents(s); i++) {
        const struct m365_incident *inc = m365_scan_incident(s, i);
        int f = 1;
        m365_buf_puts(b, i ? ",{" : "{");
        m365_json_key(b, &f, "number");
        m365_buf_printf(b, "%lld", (long long)inc->number);
        m365_json_key(b, &f, "severity");
        m365_json_cstr(b, m365_severity_name(inc->severity));
        m365_json_key(b, &f, "first_seen");
        m365_json_time(b, inc->first_ms);
        m365_json_key(b, &f, "last_seen");
        m365_json_time(b, inc->last_ms);
        m365_json_key(b, &f, "story");
        m365_json_cstr(b, inc->story);
        m365_json_key(b, &f, "findings");
        m365_buf_putc(b, '[');
        for (size_t k = 0; k < inc->n_findings; k++) {
            m365_buf_printf(b, "%s%zu", k ? "," : "", inc->findings[k]);
        }
        m365_buf_putc(b, ']');
        m365_json_key(b, &f, "entities");
        m365_buf_putc(b, '{');
        for (int k = 0; k < M365_ENT__COUNT; k++) {
            if (k) {
                m365_buf_putc(b, ',');
            }
            m365_json_cstr(b, ent_keys[k]);
            m365_buf_putc(b, ':');
            strlist(b, inc->entities[k].items, inc->entities[k].n);
        }
        m365_buf_putc(b, '}');
        m365_json_key(b, &f, "exposure");
        m365_buf_putc(b, '[');
        for (size_t k = 0; k < inc->n_exposed; k++) {
            const struct m365_exposure *e = &inc->exposed[k];
            int ef = 1;
            m365_buf_puts(b, k ? ",{" : "{");
            m365_json_key(b, &ef, "mailbox");
            m365_json_cstr(b, e->mailbox);
            m365_json_key(b, &ef, "items");
            m365_buf_printf(b, "%llu", (unsigned long long)e->items);
            m365_json_key(b, &ef, "records");
            m365_buf_printf(b, "%u", e->records);
            m365_json_key(b, &ef, "graph_requests");
            m365_buf_printf(b, "%u", e->graph_requests);
            m365_json_key(b, &ef, "graph_bytes");
            m365_buf_printf(b, "%llu", (unsigned long long)e->graph_bytes);
            m365_json_key(b, &ef, "folders");
            strlist(b, e->folders, e->n_folders);
            m365_json_key(b, &ef, "first_access");
            m365_json_time(b, e->first_ms);
            m365_json_key(b, &ef, "last_access");
            m365_json_time(b, e->last_ms);
            m365_json_key(b, &ef, "via");
            strlist(b, e->via, e->n_via);
            m365_json_key(b, &ef, "ips");
            strlist(b, e->ips, e->n_ips);
            m365_buf_putc(b, '}');
        }
        m365_buf_putc(b, ']');
        m365_json_key(b, &f, "exposure_set_aside");
        m365_buf_printf(b, "{\"records\":%llu,\"items\":%llu,\"ips\":",
                        (unsigned long long)inc->set_aside.records,
                        (unsigned long long)inc->set_aside.items);
        strlist(b, inc->set_aside.ips, inc->set_aside.n_ips);
        m365_buf_putc(b, '}');
        m365_json_key(b, &f, "not_auditable");
        m365_buf_putc(b, '[');
        for (size_t k = 0; k < inc->n_blind; k++) {
            const struct m365_blind_spot *bs = &inc->blind[k];
            int bf = 1;
            m365_buf_puts(b, k ? ",{" : "{");
            m365_json_key(b, &bf, "mailbox");
            m365_json_cstr(b, bs->mailbox);
            m365_json_key(b, &bf, "reason");
            m365_json_cstr(b, bs->reason);
            m365_json_key(b, &bf, "from");
            m365_json_time(b, bs->from_ms);
            m365_json_key(b, &bf, "to");
            m365_json_time(b, bs->to_ms);
            m365_buf_putc(b, '}');
        }
        m365_buf_puts(b, "]}");
    }
    m365_buf_putc(b, ']');
}

static void enrichment(struct m365_buf *b, const struct m365_scan *s)
{
    m365_buf_putc(b, '[');
    for (size_t i = 0; i < m365_scan_n_enrichment(s); i++) {
        const struct m365_enrichment_source *e = m365_scan_enrichment(s, i);
        int f = 1;
        m365_buf_puts(b, i ? ",{" : "{");
        m365_json_key(b, &f, "option");
        m365_json_cstr(b, e->option);
        m365_json_key(b, &f, "path");
        m365_json_cstr(b, e->path);
        m365_json_key(b, &f, "database_type");
        m365_json_cstr(b, e->database_type);
        m365_json_key(b, &f, "built");
        m365_json_time(b, e->built_ms); /* null when the metadata had none */
        m365_json_key(b, &f, "prefixes");
        if (e->database_type) {
            m365_buf_puts(b, "null");
        } else {
            m365_buf_printf(b, "%llu", (unsigned long long)e->prefixes);
        }
        /* Its use (m365_enrichment_source); an address list holds no IPv6 question: null. */
        static const char *const keys[] = {"looked_up", "found", "ipv6_unheld"};
        const uint64_t vals[] = {e->looked_up, e->found, e->ipv6_unheld};
        for (int k = 0; k < 3; k++) {
            m365_json_key(b, &f, keys[k]);
            if (e->database_type || k < 2) {
                m365_buf_printf(b, "%llu", (unsigned long long)vals[k]);
            } else {
                m365_buf_puts(b, "null");
            }
        }
        m365_buf_putc(b, '}');
    }
    m365_buf_putc(b, ']');
}

static int buf_sink(const char *d, size_t n, void *u)
{
    return m365_buf_append(u, d, n);
}

enum m365_status m365_scan_write_report_json(const struct m365_scan *s, int argc,
                                             char *const *argv, m365_write_fn w, void *user)
{
    struct m365_buf b;
    m365_buf_init(&b, 0);
    int f = 1;
    m365_buf_putc(&b, '{');
    m365_json_key(&b, &f, "schema_version");
    m365_buf_printf(&b, "%d", M365HUNT_SCHEMA_VERSION);
    m365_json_key(&b, &f, "tool_version");
    m365_json_cstr(&b, M365HUNT_VERSION);
    m365_json_key(&b, &f, "command");
    strlist(&b, (const char *const *)argv, argc > 0 ? (size_t)argc : 0);
    m365_json_key(&b, &f, "tenant_id");
    m365_json_cstr(&b, m365_scan_home_tenant(s));
    m365_json_key(&b, &f, "enrichment");
    enrichment(&b, s);
    m365_json_key(&b, &f, "evidence");
    evidence(&b, s);
    m365_json_key(&b, &f, "snapshot");
    snapshot(&b, s);
    m365_json_key(&b, &f, "coverage");
    coverage(&b, m365_scan_coverage(s));
    m365_json_key(&b, &f, "not_evaluated");
    m365_buf_putc(&b, '[');
    for (size_t i = 0; i < m365_scan_n_not_evaluated(s); i++) {
        const char *rule, *reason;
        m365_scan_not_evaluated(s, i, &rule, &reason);
        int nf = 1;
        m365_buf_puts(&b, i ? ",{" : "{");
        m365_json_key(&b, &nf, "rule");
        m365_json_cstr(&b, rule);
        m365_json_key(&b, &nf, "reason");
        m365_json_cstr(&b, reason);
        if (m365_scan_not_evaluated_in_part(s, i)) {
            m365_json_key(&b, &nf, "in_part");
            m365_buf_puts(&b, "true");
        }
        m365_buf_putc(&b, '}');
    }
    m365_buf_putc(&b, ']');
    m365_json_key(&b, &f, "findings");
    m365_buf_putc(&b, '[');
    for (size_t i = 0; i < m365_scan_n_findings(s); i++) {
        if (i) {
            m365_buf_putc(&b, ',');
        }
        m365_finding_write_json(m365_scan_finding(s, i), buf_sink, &b);
    }
    m365_buf_putc(&b, ']');
    m365_json_key(&b, &f, "incidents");
    incidents(&b, s);
    m365_buf_puts(&b, "}\n");
    enum m365_status st = M365_OK;
    if (b.failed) {
        st = M365_E_NOMEM;
    } else if (w(b.data, b.len, user) != 0) {
        st = M365_E_IO;
    }
    m365_buf_free(&b);
    return st;
}
