/* Tar and 7-Zip archives as evidence (libarchive reads them): a .tar as it is or compressed
 * (gzip, zstd, xz, bzip2), and a .7z. Unlike a ZIP archive they have no directory: their
 * members are found by reading the archive from its first byte to its last. One pass lists
 * them and says where each member's bytes are, so that the scan then reads them as it reads
 * files, on any thread and in name order:
 *   - a plain tar: in the archive itself, a byte range of it (nothing is copied);
 *   - a compressed tar or a 7-Zip archive: in one temporary file the pass unpacks them to
 *     (unlinked at once: disk, not memory, and nothing is left behind), under the
 *     decompression limits. gzip and zstd are undone by io/input.c's decoders (ISA-L: twice
 *     zlib's speed), xz and bzip2 by libarchive.
 * A member is named as a ZIP member is: the archive's path, a slash, its name there. */
#ifndef M365_TAR_ARCHIVE_H
#define M365_TAR_ARCHIVE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "m365hunt/scan.h"
#include "m365hunt/status.h"

struct m365_tar_files {
    struct m365_tar_file {
        char *path;            /* archive/name, malloc'd */
        int fd;                /* the archive's or the temporary file's: read with pread */
        uint64_t offset, size; /* its bytes there */
    } *v;
    size_t n;
    /* Open until m365_tar_files_free, -1 when not: the archive (members read in place) and the
     * temporary file (members unpacked). */
    int archive_fd, temp_fd;
    bool compressed;   /* a compression filter over the tar */
    bool seven_zip;    /* a 7-Zip archive, not a tar */
    uint64_t unpacked; /* bytes written to the temporary file */
    bool in_memory;    /* that file is on tmpfs or ramfs: its pages are the machine's memory */
    /* Left out, counted: links (a hard link repeats a file the archive holds), devices and
     * other entries that are no files, macOS's AppleDouble files ("._name": file attributes),
     * encrypted members, files past M365_MAX_ZIP_MEMBERS. */
    size_t links, others, forks, encrypted, over;
    /* Why the listing ended before the archive's end ("" when it did not): damage, a limit.
     * The members listed before it are read. */
    char stopped[320];
    /* M365_E_PARSE (damaged), M365_E_LIMIT, M365_E_IO (the temporary file cannot take more) */
    enum m365_status stop_status;
    /* Zero the list, then set these before listing (the only members kept): called while an
     * archive is unpacked, every 64 MiB out, with the archive's bytes read so far and its size,
     * for a progress bar. */
    void (*tick)(uint64_t read, uint64_t size, void *user);
    void *tick_user;
};

/* A path whose name ends in .tar, .tar.gz, .tgz, .tar.zst, .tzst, .tar.xz, .txz, .tar.bz2,
 * .tbz2, .tbz or .7z (any case). */
bool m365_tar_named(const char *path);
/* A file's first decoded bytes are those of a tar archive (ustar at offset 257) or of a 7-Zip
 * archive (its signature). */
bool m365_tar_bytes(const char *head, size_t len);
/* The file at path is a tar (compressed or not) or 7-Zip archive, whatever its name: libarchive
 * recognises its first entry's header. */
bool m365_tar_content(const char *path);

/* Lists the archive at path (its members named name/member, name being path when NULL) and
 * unpacks what cannot be read in place to a temporary file in tmpdir. M365_E_FORMAT when it is
 * no tar or 7-Zip archive at all; M365_E_IO with the reason in err when it cannot be read or
 * the temporary file cannot be written; M365_E_NOMEM. A listing that stops part way (damage,
 * a limit) is M365_OK with `stopped` set. *out holds nothing to free unless M365_OK. */
enum m365_status m365_tar_files(const char *path, const char *name, const char *tmpdir,
                                const struct m365_limits *lim, struct m365_tar_files *out,
                                char *err, size_t esz);
/* The same over an open file from its start (fuzzing: a memfd); fd is the caller's and stays
 * open, the members in place refer to it. */
enum m365_status m365_tar_files_fd(int fd, const char *name, const char *tmpdir,
                                   const struct m365_limits *lim, struct m365_tar_files *out,
                                   char *err, size_t esz);
/* Closes the files and frees the list (the temporary file goes with its descriptor). */
void m365_tar_files_free(struct m365_tar_files *f);

/* What the list left out, one kind per call (k from 0 to M365_TAR_LEFT_OUT_KINDS - 1): false
 * when nothing of that kind, else the message and its level. */
#define M365_TAR_LEFT_OUT_KINDS 6
bool m365_tar_left_out(const struct m365_tar_files *f, int k, char *msg, size_t msz,
                       enum m365_diag_level *level, enum m365_status *code);
#endif
