#include <string.h>

#include "m365hunt/scan.h"
#include "reader.h"

const struct m365_reader *const m365_readers[] = {
#define M365_READER(id) &m365_reader_##id,
#include "readers.def"
#undef M365_READER
};
const size_t m365_n_readers_registered = sizeof(m365_readers) / sizeof(m365_readers[0]);

const struct m365_reader *m365_reader_find(const char *name)
{
    for (size_t i = 0; i < m365_n_readers_registered; i++) {
        if (strcmp(m365_readers[i]->name, name) == 0) {
            return m365_readers[i];
        }
    }
    return NULL;
}

size_t m365_n_formats(void)
{
    return m365_n_readers_registered;
}

const struct m365_format_info *m365_format(size_t i)
{
    /* struct m365_reader starts with the same three strings as m365_format_info. */
    static struct m365_format_info infos[sizeof(m365_readers) / sizeof(m365_readers[0])];
    if (i >= m365_n_readers_registered) {
        return NULL;
    }
    infos[i].name = m365_readers[i]->name;
    infos[i].title = m365_readers[i]->title;
    infos[i].description = m365_readers[i]->description;
    return &infos[i];
}
