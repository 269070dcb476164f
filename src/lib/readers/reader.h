/* An input format: one file src/lib/readers/<name>_reader.c ending in a const struct m365_reader,
 * plus one line M365_READER(<id>) in readers.def. */
#ifndef M365_READER_H
#define M365_READER_H
#include <stdbool.h>
#include <stddef.h>

struct m365_read_ctx;

struct m365_reader {
    const char *name;        /* CLI name, kebab-case: "ual-json" */
    const char *title;       /* one line */
    const char *description; /* which exports produce it */
    /* Score (0 = not this format, up to 100) from the first bytes of the decoded text. */
    int (*sniff)(const char *head, size_t len);
    /* Read the whole stream; every record ends as an event or a counted skip. */
    void (*read)(struct m365_read_ctx *ctx);
    /* Reads through m365_json_read_all: a JSON Lines file may be read in parts, one per
     * thread, split at newlines. */
    bool json_records;
};

#define M365_READER(id) extern const struct m365_reader m365_reader_##id;
#include "readers.def"
#undef M365_READER

extern const struct m365_reader *const m365_readers[];
extern const size_t m365_n_readers_registered;

const struct m365_reader *m365_reader_find(const char *name);
#endif
