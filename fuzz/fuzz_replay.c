/* Replays saved inputs through one fuzz target without libFuzzer: linked with any
 * fuzz_<name>.c, it calls LLVMFuzzerTestOneInput once per file given on the command line and per
 * file under each directory given (recursively, in name order, dot files left out).
 *   fuzz_replay_<name> [--skip-missing] PATH...
 * --skip-missing: a path that does not exist is noted and ignored (for corpus or regression
 * directories that a target may not have). Exit status 0 when every input ran; a failing check
 * aborts, as under the fuzzer. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

static unsigned long n_run;

/* The whole file in a heap block of exactly its size, so over-reads hit the red zone. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fuzz_replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (len < cap) {
            break;
        }
        cap *= 2;
        unsigned char *nb = realloc(buf, cap);
        if (!nb) {
            free(buf);
        }
        buf = nb;
    }
    bool bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "fuzz_replay: %s: cannot read\n", path);
        free(buf);
        return -1;
    }
    unsigned char *exact = malloc(len ? len : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, len);
    free(buf);
    fprintf(stderr, "fuzz_replay: %s (%zu bytes)\n", path, len);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    n_run++;
    return 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_path(const char *path, bool skip_missing, unsigned depth)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        if (skip_missing && errno == ENOENT && depth == 0) {
            fprintf(stderr, "fuzz_replay: %s does not exist, skipped\n", path);
            return 0;
        }
        fprintf(stderr, "fuzz_replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        return replay_file(path);
    }
    if (depth > 32) {
        fprintf(stderr, "fuzz_replay: %s: nested too deep\n", path);
        return -1;
    }
    DIR *d = opendir(path);
    if (!d) {
        fprintf(stderr, "fuzz_replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof(*nn));
            if (!nn) {
                rc = -1;
                break;
            }
            names = nn;
        }
        size_t len = strlen(path) + strlen(de->d_name) + 2;
        names[n] = malloc(len);
        if (!names[n]) {
            rc = -1;
            break;
        }
        snprintf(names[n], len, "%s/%s", path, de->d_name);
        n++;
    }
    closedir(d);
    /* Name order: the same run every time. */
    qsort(names, n, sizeof(*names), cmp_names);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && replay_path(names[i], false, depth + 1) != 0) {
            rc = -1;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    bool skip_missing = false;
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--skip-missing") == 0) {
            skip_missing = true;
            continue;
        }
        if (replay_path(argv[i], skip_missing, 0) != 0) {
            rc = 1;
        }
    }
    fprintf(stderr, "fuzz_replay: %lu input(s) replayed\n", n_run);
    return rc;
}
