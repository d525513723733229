/*
 * optmap-doc.c - what the option tables say to people (optmap.h): --help,
 * --list-options, --check-config's settings, the README's option table and
 * the man page. Rows are shown section by section (dh_optmap_doc_t.groups),
 * in table order within a section.
 */
#include "optmap.h"

#include <string.h>

#define HELP_COL 24 /* --help: the text starts after this column and a space */

typedef void (*row_fn)(FILE *f, const dh_optmap_t *r, const dh_optmap_doc_t *d);

static bool visible(const dh_optmap_t *r)
{
    return !(r->flags & DH_OPTF_HIDDEN);
}

/* Whether r is shown in section g (cli_only: --help, which leaves out the
   keys of the configuration file alone). */
static bool shown(const dh_optmap_t *r, int g, bool cli_only)
{
    return r->group == g && visible(r) && (!cli_only || r->cli || r->type == DH_OPT_DOC);
}

/* Rows of one section, for each binding in order. */
static void each_in_group(FILE *f, const dh_optmap_bind_t *b, size_t nb, int g, bool cli_only,
                          const dh_optmap_doc_t *d, row_fn fn)
{
    for (size_t i = 0; i < nb; i++)
        for (const dh_optmap_t *r = b[i].table->rows; !dh_optmap_end(r); r++)
            if (shown(r, g, cli_only))
                fn(f, r, d);
}

static bool group_has(const dh_optmap_bind_t *b, size_t nb, int g, bool cli_only)
{
    for (size_t i = 0; i < nb; i++)
        for (const dh_optmap_t *r = b[i].table->rows; !dh_optmap_end(r); r++)
            if (shown(r, g, cli_only))
                return true;
    return false;
}

/* s[0..n) with d's token replaced by its value */
static void put_span(FILE *f, const char *s, size_t n, const dh_optmap_doc_t *d)
{
    size_t tl = d->token ? strlen(d->token) : 0;
    for (size_t i = 0; i < n;) {
        if (tl && n - i >= tl && memcmp(s + i, d->token, tl) == 0) {
            fputs(d->value, f);
            i += tl;
        } else {
            fputc(s[i++], f);
        }
    }
}

/* ---- --help ------------------------------------------------------------- */

static void left_column(const dh_optmap_t *r, char *buf, size_t len)
{
    if (r->type == DH_OPT_DOC)
        snprintf(buf, len, "  %s", r->arg);
    else if (r->letter)
        snprintf(buf, len, "  -%c, --%s%s%s", r->letter, r->cli, r->arg ? " " : "",
                 r->arg ? r->arg : "");
    else
        snprintf(buf, len, "      --%s%s%s", r->cli, r->arg ? " " : "", r->arg ? r->arg : "");
}

static void usage_row(FILE *f, const dh_optmap_t *r, const dh_optmap_doc_t *d)
{
    char left[128];
    left_column(r, left, sizeof(left));
    const char *s = r->help;
    fprintf(f, "%-*s ", HELP_COL, left);
    for (;;) {
        const char *nl = strchr(s, '\n');
        put_span(f, s, nl ? (size_t)(nl - s) : strlen(s), d);
        fputc('\n', f);
        if (!nl)
            break;
        s = nl + 1;
        fprintf(f, "%*s", HELP_COL + 1, "");
    }
}

void dh_optmap_usage(FILE *f, const dh_optmap_bind_t *b, size_t nb, const dh_optmap_doc_t *d)
{
    fprintf(f, "Usage: %s %s\n%s\n", d->prog, d->synopsis, d->about);
    for (size_t g = 0; g < d->n_groups; g++) {
        if (!group_has(b, nb, (int)g, true))
            continue;
        fputc('\n', f);
        if (d->groups[g][0])
            fprintf(f, "%s:\n", d->groups[g]);
        each_in_group(f, b, nb, (int)g, true, d, usage_row);
    }
    fprintf(f, "\n%s\n", d->exit_status);
}

void dh_optmap_list(FILE *f, const dh_optmap_bind_t *b, size_t nb)
{
    for (size_t i = 0; i < nb; i++)
        for (const dh_optmap_t *r = b[i].table->rows; !dh_optmap_end(r); r++)
            if (r->cli && visible(r))
                fprintf(f, "--%s\n", r->cli);
}

/* ---- --check-config ------------------------------------------------------ */

static void put_list(FILE *f, const char *const *l)
{
    if (!l || !l[0]) {
        fputs("(none)", f);
        return;
    }
    for (size_t i = 0; l[i]; i++)
        fprintf(f, "%s%s", i ? ", " : "", l[i]);
}

static void put_value(FILE *f, const dh_optmap_t *r, const void *p)
{
    switch (r->type) {
    case DH_OPT_BOOL:
        fputs(*(const bool *)p != ((r->flags & DH_OPTF_INVERT) != 0) ? "true" : "false", f);
        break;
    case DH_OPT_UINT: fprintf(f, "%u", *(const unsigned *)p); break;
    case DH_OPT_SIZE: fprintf(f, "%zu", *(const size_t *)p); break;
    case DH_OPT_MIB: fprintf(f, "%zu", *(const size_t *)p >> 20); break;
    case DH_OPT_DURATION: fprintf(f, "%g", (double)*(const int64_t *)p / 1e6); break;
    case DH_OPT_DAYS: fprintf(f, "%g", (double)*(const int64_t *)p / 86400e6); break;
    case DH_OPT_STRING: fputs(*(const char *const *)p ? *(const char *const *)p : "(none)", f); break;
    case DH_OPT_ENUM: fputs(r->values[*(const int *)p], f); break;
    case DH_OPT_STRLIST:
    case DH_OPT_KVMAP: put_list(f, *(const char *const *const *)p); break;
    case DH_OPT_APPEND: put_list(f, ((const dh_optlist_t *)p)->v); break;
    default: break;
    }
}

void dh_optmap_print_settings(FILE *f, const dh_optmap_bind_t *b, size_t nb)
{
    fprintf(f, "settings:\n");
    for (size_t i = 0; i < nb; i++)
        for (const dh_optmap_t *r = b[i].table->rows; !dh_optmap_end(r); r++) {
            if (r->type == DH_OPT_DOC || r->type == DH_OPT_ACTION)
                continue;
            char key[96];
            if (r->yaml)
                snprintf(key, sizeof(key), "%s", r->yaml);
            else
                snprintf(key, sizeof(key), "--%s", r->cli);
            fprintf(f, "  %-20s = ", key);
            put_value(f, r, (const char *)b[i].obj + r->offset);
            fputc('\n', f);
        }
}

/* ---- README.md ----------------------------------------------------------- */

static void md_text(FILE *f, const char *s, const dh_optmap_doc_t *d)
{
    for (const char *p = s; *p; p++) {
        if (*p == '\n' || *p == '|') {
            put_span(f, s, (size_t)(p - s), d);
            fputs(*p == '|' ? "\\|" : " ", f);
            s = p + 1;
        }
    }
    put_span(f, s, strlen(s), d);
}

static void md_row(FILE *f, const dh_optmap_t *r, const dh_optmap_doc_t *d)
{
    char left[128];
    left_column(r, left, sizeof(left));
    const char *l = left;
    while (*l == ' ')
        l++;
    fputs("| ", f);
    if (r->cli || r->type == DH_OPT_DOC)
        fprintf(f, "`%s`", l);
    fputs(" | ", f);
    if (r->yaml)
        fprintf(f, "`%s`", r->yaml);
    fputs(" | ", f);
    md_text(f, r->help, d);
    fputs(" |\n", f);
}

void dh_optmap_markdown(FILE *f, const dh_optmap_bind_t *b, size_t nb, const dh_optmap_doc_t *d)
{
    fprintf(f, "<!-- generated by `%s --help-markdown` (make docs): edit the option tables in "
               "src/options-map.c -->\n", d->prog);
    fprintf(f, "| option | config key | meaning |\n|---|---|---|\n");
    for (size_t g = 0; g < d->n_groups; g++) {
        if (!group_has(b, nb, (int)g, false))
            continue;
        fprintf(f, "| **%s** | | |\n", d->groups[g][0] ? d->groups[g] : "General");
        each_in_group(f, b, nb, (int)g, false, d, md_row);
    }
}

/* ---- the man page ------------------------------------------------------------ */

/* s as roff text lines: backslashes, dashes and quotes escaped, no line
   opening a request */
static void man_text(FILE *f, const char *s, const dh_optmap_doc_t *d, bool bol)
{
    char buf[1024];
    size_t n = 0;
    for (const char *p = s; *p && n + 8 < sizeof(buf); p++) {
        if (bol && (*p == '.' || *p == '\''))
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\\&");
        bol = *p == '\n';
        if (*p == '\\')
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\\e");
        else if (*p == '-')
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\\-");
        else if (*p == '"')
            n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\\(dq");
        else
            buf[n++] = *p;
    }
    put_span(f, buf, n, d);
}

static void man_row(FILE *f, const dh_optmap_t *r, const dh_optmap_doc_t *d)
{
    fputs(".TP\n", f);
    if (r->type == DH_OPT_DOC) {
        fputs("\\fB", f);
        man_text(f, r->arg, d, false);
        fputs("\\fR", f);
    } else if (r->cli) {
        if (r->letter)
            fprintf(f, "\\fB\\-%c\\fR, ", r->letter);
        fputs("\\fB\\-\\-", f);
        man_text(f, r->cli, d, false);
        fputs("\\fR", f);
        if (r->arg)
            fprintf(f, " \\fI%s\\fR", r->arg);
    } else {
        fputs("config key \\fB", f);
        man_text(f, r->yaml, d, false);
        fputs("\\fR", f);
    }
    fputc('\n', f);
    man_text(f, r->help, d, true);
    fputc('\n', f);
    if (r->cli && r->yaml) {
        fputs(".br\nConfiguration file: \\fB", f);
        man_text(f, r->yaml, d, false);
        fputs("\\fR.\n", f);
    }
}

void dh_optmap_man(FILE *f, const dh_optmap_bind_t *b, size_t nb, const dh_optmap_doc_t *d)
{
    fprintf(f, ".\\\" generated by `%s --help-man` (make docs): edit the option tables in "
               "src/options-map.c\n", d->prog);
    fprintf(f, ".TH DNSHOUND 1 \"\" \"%s\" \"User Commands\"\n.SH NAME\n%s \\- ", d->prog,
            d->prog);
    man_text(f, d->summary, d, false);
    fprintf(f, "\n.SH SYNOPSIS\n.B %s\n", d->prog);
    man_text(f, d->synopsis, d, true);
    fputs("\n.SH DESCRIPTION\n", f);
    man_text(f, d->about, d, true);
    fputs("\n.SH OPTIONS\n", f);
    for (size_t g = 0; g < d->n_groups; g++) {
        if (!group_has(b, nb, (int)g, false))
            continue;
        fputs(".SS \"", f);
        man_text(f, d->groups[g][0] ? d->groups[g] : "General", d, false);
        fputs("\"\n", f);
        each_in_group(f, b, nb, (int)g, false, d, man_row);
    }
    fputs(".SH \"EXIT STATUS\"\n", f);
    man_text(f, d->exit_status, d, true);
    fputs("\n.SH FILES\n.TP\n.I deploy/dnshound.yaml\nthe run configuration (\\fB\\-c\\fR), "
          "every key documented\n", f);
}
