#include "zip_archive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zip.h>

struct m365_zip {
    zip_t *za;
};

struct m365_zip_stream {
    zip_file_t *zf;
    char err[160];
};

/* head: the file's first bytes (fewer than 4 when it is shorter). */
static enum m365_status opened(zip_t *za, int code, const unsigned char *head, size_t hlen,
                               struct m365_zip **out, char *err, size_t esz)
{
    *out = NULL;
    if (!za) {
        if (code == ZIP_ER_NOZIP) {
            /* A file that starts as an archive but has no directory at its end was cut short. */
            if (!(hlen >= 4 && memcmp(head, "PK\x03\x04", 4) == 0)) {
                return M365_E_FORMAT;
            }
            snprintf(err, esz, "its directory, at the end of the file, is missing (a download "
                     "or copy cut short?)");
            return M365_E_IO;
        }
        zip_error_t ze;
        zip_error_init_with_code(&ze, code);
        snprintf(err, esz, "%s", zip_error_strerror(&ze));
        zip_error_fini(&ze);
        return code == ZIP_ER_MEMORY ? M365_E_NOMEM : M365_E_IO;
    }
    struct m365_zip *z = malloc(sizeof(*z));
    if (!z) {
        zip_discard(za);
        snprintf(err, esz, "out of memory");
        return M365_E_NOMEM;
    }
    z->za = za;
    *out = z;
    return M365_OK;
}

enum m365_status m365_zip_open(const char *path, struct m365_zip **out, char *err, size_t esz)
{
    int code = 0;
    zip_t *za = zip_open(path, ZIP_RDONLY, &code);
    unsigned char head[4];
    size_t hlen = 0;
    if (!za && code == ZIP_ER_NOZIP) {
        FILE *fp = fopen(path, "rb");
        if (fp) {
            hlen = fread(head, 1, sizeof(head), fp);
            fclose(fp);
        }
    }
    return opened(za, code, head, hlen, out, err, esz);
}

enum m365_status m365_zip_open_buffer(const void *data, size_t len, struct m365_zip **out,
                                      char *err, size_t esz)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data, len, 0, &ze);
    zip_t *za = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    if (src && !za) {
        zip_source_free(src);
    }
    int code = zip_error_code_zip(&ze);
    zip_error_fini(&ze);
    return opened(za, code, data, len < 4 ? len : 4, out, err, esz);
}

void m365_zip_close(struct m365_zip *z)
{
    if (z) {
        zip_discard(z->za); /* read-only: nothing to write back */
        free(z);
    }
}

uint64_t m365_zip_count(struct m365_zip *z)
{
    zip_int64_t n = zip_get_num_entries(z->za, 0);
    return n > 0 ? (uint64_t)n : 0;
}

int m365_zip_member(struct m365_zip *z, uint64_t index, struct m365_zip_member *m)
{
    memset(m, 0, sizeof(*m));
    zip_stat_t sb;
    zip_stat_init(&sb);
    /* Names not flagged UTF-8 come from Windows' own zipper in the OEM code page: guessed. */
    if (zip_stat_index(z->za, index, ZIP_FL_ENC_GUESS, &sb) != 0 || !(sb.valid & ZIP_STAT_NAME)) {
        return -1;
    }
    m->name = sb.name;
    size_t n = strlen(sb.name);
    m->dir = n > 0 && sb.name[n - 1] == '/';
    m->size = (sb.valid & ZIP_STAT_SIZE) ? sb.size : 0;
    m->comp_size = (sb.valid & ZIP_STAT_COMP_SIZE) ? sb.comp_size : 0;
    m->deflated = (sb.valid & ZIP_STAT_COMP_METHOD) && sb.comp_method == ZIP_CM_DEFLATE &&
                  (sb.valid & ZIP_STAT_CRC) && (sb.valid & ZIP_STAT_SIZE);
    m->crc = m->deflated ? sb.crc : 0;
    if ((sb.valid & ZIP_STAT_ENCRYPTION_METHOD) && sb.encryption_method != ZIP_EM_NONE) {
        m->unreadable = "encrypted: extract it with its password and scan the folder";
        m->deflated = false;
    } else if ((sb.valid & ZIP_STAT_COMP_METHOD) &&
               !zip_compression_method_supported(sb.comp_method, 0)) {
        m->unreadable = "packed with a compression method this build cannot unpack: extract it "
                        "and scan the folder";
    }
    return 0;
}

struct m365_zip_stream *m365_zip_stream_open(struct m365_zip *z, uint64_t index, bool packed,
                                             const char **err)
{
    struct m365_zip_stream *zs = malloc(sizeof(*zs));
    if (!zs) {
        *err = "out of memory";
        return NULL;
    }
    zs->err[0] = '\0';
    zs->zf = zip_fopen_index(z->za, index, packed ? ZIP_FL_COMPRESSED : 0);
    if (!zs->zf) {
        *err = zip_strerror(z->za);
        free(zs);
        return NULL;
    }
    return zs;
}

ssize_t m365_zip_stream_read(struct m365_zip_stream *zs, void *buf, size_t cap, const char **err)
{
    zip_int64_t n = zip_fread(zs->zf, buf, cap);
    if (n < 0) {
        snprintf(zs->err, sizeof(zs->err), "%s", zip_file_strerror(zs->zf));
        *err = zs->err;
        return -1;
    }
    return (ssize_t)n;
}

void m365_zip_stream_close(struct m365_zip_stream *zs)
{
    if (zs) {
        zip_fclose(zs->zf);
        free(zs);
    }
}
