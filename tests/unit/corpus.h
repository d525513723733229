/*
 * corpus.h - test helper: where the unit tests find the shared corpus of
 * third-party logs (not redistributable, so not in tests/data/): the
 * directory $DNSHOUND_CORPUS names (relative to the repository root unless
 * absolute), as tests/e2e/run.sh reads it, else ../shared/corpus next to the
 * repository. A test that reads it skips (cr_skip_test) when it is absent.
 */
#ifndef DH_TEST_CORPUS_H
#define DH_TEST_CORPUS_H

#define DH_TEST_PATH_MAX 4096

/* Write the path of SUB/REL in the corpus into path (REL may be "": the
   directory SUB) and return path. */
const char *dh_test_corpus(char path[DH_TEST_PATH_MAX], const char *sub, const char *rel);

#endif
