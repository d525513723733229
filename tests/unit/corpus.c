/*
 * corpus.c - see corpus.h.
 */
#include "corpus.h"

#include <stdio.h>
#include <stdlib.h>

const char *dh_test_corpus(char path[DH_TEST_PATH_MAX], const char *sub, const char *rel)
{
    const char *dir = getenv("DNSHOUND_CORPUS");
    const char *root = DH_SOURCE_DIR "/";
    if (!dir || !*dir)
        dir = "../shared/corpus";
    if (dir[0] == '/')
        root = "";
    snprintf(path, DH_TEST_PATH_MAX, "%s%s/%s%s%s", root, dir, sub, *rel ? "/" : "", rel);
    return path;
}
