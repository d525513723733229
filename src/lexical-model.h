/*
 * lexical-model.h - how likely a DNS label is under a model of benign names:
 * a character-trigram model and a dictionary (rules/dga-model.txt, built
 * from a top-domains list by bench/build-dga-model.py). Shared by the DGA
 * detector (random-looking NXDOMAIN bursts) and new_domain (a machine-made
 * name at first contact), so both judge a name the same way.
 *
 * A label is "random" when its mean negative log2-likelihood per character
 * (less an allowance for short labels) reaches random_score under every
 * benign model of the file: the popular-domain model and its alternatives,
 * models of other languages' names (Polish, Turkish, Vietnamese...) so that
 * a transliterated name is judged by its own letter statistics. "wordlike"
 * when it splits into dictionary words covering most of it (wordlist DGAs
 * and ordinary brand names alike). Scoring is O(length) table and hash
 * lookups without allocation. Ownership: dh_lexmodel_load allocates,
 * dh_lexmodel_free frees.
 */
#ifndef DH_LEXICAL_MODEL_H
#define DH_LEXICAL_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DH_LEX_LABEL_MAX 63

typedef struct dh_lexmodel dh_lexmodel_t;

enum { DH_LEX_UNJUDGED, DH_LEX_SHORT, DH_LEX_PLAIN, DH_LEX_RANDOM, DH_LEX_WORDLIKE, DH_LEX_LONG };

typedef struct {
    int64_t min_label_len, full_length, long_label_len, word_min_len, min_words;
    double random_score, short_label_penalty, word_cover;
} dh_lexscore_params_t;

/* What the detector thinks of one registered label. */
typedef struct {
    int cls;             /* DH_LEX_*: unjudged short plain random wordlike long */
    double nll;          /* mean -log2 P per character (and the end) under the best-fitting model */
    unsigned model;      /* which model fit best: 0 popular domains, then the alternatives */
    double score;        /* nll less the short-label allowance: compared to random_score */
    unsigned words;      /* dictionary words of the best split */
    unsigned covered;    /* characters they (and hyphens) cover */
} dh_lexscore_t;

/* Load a model file; NULL with err "FILE:LINE: ..." on failure. */
dh_lexmodel_t *dh_lexmodel_load(const char *path, char *err, size_t errlen);
void dh_lexmodel_free(dh_lexmodel_t *m);

/* Judge one registered label (lowercase, n bytes). full: split into words
   even when it does not look random (needed for wordlike/long classes). */
void dh_lexmodel_classify(const dh_lexmodel_t *m, const dh_lexscore_params_t *p, const char *s,
                          size_t n, bool full, dh_lexscore_t *out);

/* The name of model number `model` of dh_lexscore_t ("popular", then the
   alternatives' names as the file gives them); "?" when out of range. */
const char *dh_lexmodel_model_name(const dh_lexmodel_t *m, unsigned model);
/* How many models the file holds (1 + its alternatives). */
size_t dh_lexmodel_models(const dh_lexmodel_t *m);

/* "unjudged", "short", "plain", "random", "wordlike", "long". */
const char *dh_lexmodel_class_name(int cls);

#endif
