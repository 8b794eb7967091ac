/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pulls: the one pull request model behind the three APIs. A growing array
 * under one mutex; callers only ever see copies, so no pointer into the
 * array escapes the lock. Numbers count per repository from 1 (GitHub's
 * number, GitLab's iid, Gitea's index); ids are global.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "forge.h"
#include "xalloc.h"

static pthread_mutex_t pulls_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pull *pulls_v;
static size_t pulls_n;

static char *
pulls_dup(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void
pulls_free_strv(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i]);
	}
	free(v);
}

static char **
pulls_copy_strv(char *const *v, size_t n)
{
	char **out = xcalloc(n + 1, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		out[i] = xstrdup(v[i]);
	}
	return out;
}

void
pulls_list_add(char ***v, size_t *n, const char *s)
{
	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*v)[i], s) == 0) {
			return;
		}
	}
	*v = xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = xstrdup(s);
	(*v)[*n] = NULL;
}

void
pulls_release(struct pull *p)
{
	free(p->repo);
	free(p->head);
	free(p->base);
	free(p->title);
	free(p->body);
	free(p->author);
	pulls_free_strv(p->labels, p->nlabels);
	pulls_free_strv(p->reviewers, p->nreviewers);
	pulls_free_strv(p->assignees, p->nassignees);
	memset(p, 0, sizeof(*p));
}

void
pulls_copy(struct pull *dst, const struct pull *src)
{
	*dst = *src;
	dst->repo = pulls_dup(src->repo);
	dst->head = pulls_dup(src->head);
	dst->base = pulls_dup(src->base);
	dst->title = pulls_dup(src->title);
	dst->body = pulls_dup(src->body);
	dst->author = pulls_dup(src->author);
	dst->labels = pulls_copy_strv(src->labels, src->nlabels);
	dst->reviewers = pulls_copy_strv(src->reviewers, src->nreviewers);
	dst->assignees = pulls_copy_strv(src->assignees, src->nassignees);
}

void
pulls_init(void)
{
	pulls_reset();
}

void
pulls_reset(void)
{
	pthread_mutex_lock(&pulls_mu);
	for (size_t i = 0; i < pulls_n; i++) {
		pulls_release(&pulls_v[i]);
	}
	free(pulls_v);
	pulls_v = NULL;
	pulls_n = 0;
	pthread_mutex_unlock(&pulls_mu);
}

/* The PR of repo with number (caller holds the lock), or NULL. */
static struct pull *
pulls_find(const char *repo, long number)
{
	for (size_t i = 0; i < pulls_n; i++) {
		if (pulls_v[i].number == number &&
		    strcmp(pulls_v[i].repo, repo) == 0) {
			return &pulls_v[i];
		}
	}
	return NULL;
}

int
pulls_create(const struct pull *p, long *existing, struct pull *out)
{
	pthread_mutex_lock(&pulls_mu);
	long next = 1;
	for (size_t i = 0; i < pulls_n; i++) {
		const struct pull *q = &pulls_v[i];
		if (strcmp(q->repo, p->repo) != 0) {
			continue;
		}
		if (q->number >= next) {
			next = q->number + 1;
		}
		if (q->state == PULL_OPEN && strcmp(q->head, p->head) == 0 &&
		    strcmp(q->base, p->base) == 0) {
			*existing = q->number;
			pthread_mutex_unlock(&pulls_mu);
			return -PD_ECONFLICT;
		}
	}
	pulls_v = xrealloc(pulls_v, (pulls_n + 1) * sizeof(*pulls_v));
	struct pull *n = &pulls_v[pulls_n];
	pulls_copy(n, p);
	n->number = next;
	n->id = (long)pulls_n + 1;
	n->state = PULL_OPEN;
	n->merged_sha[0] = '\0';
	n->created = n->updated = (long long)time(NULL);
	pulls_n++;
	if (out) {
		pulls_copy(out, n);
	}
	pthread_mutex_unlock(&pulls_mu);
	return 0;
}

int
pulls_get(const char *repo, long number, struct pull *out)
{
	pthread_mutex_lock(&pulls_mu);
	struct pull *p = pulls_find(repo, number);
	if (p) {
		pulls_copy(out, p);
	}
	pthread_mutex_unlock(&pulls_mu);
	return p ? 0 : -1;
}

static bool
pulls_matches(const struct pull *p, const struct pulls_filter *f)
{
	return (!f->repo || strcmp(p->repo, f->repo) == 0) &&
	       (!f->head || strcmp(p->head, f->head) == 0) &&
	       (!f->base || strcmp(p->base, f->base) == 0) &&
	       (f->state < 0 || (int)p->state == f->state);
}

size_t
pulls_list(const struct pulls_filter *f, struct pull **out)
{
	pthread_mutex_lock(&pulls_mu);
	size_t k = 0;
	*out = xcalloc(pulls_n + 1, sizeof(**out));
	for (size_t i = 0; i < pulls_n; i++) {
		if (pulls_matches(&pulls_v[i], f)) {
			pulls_copy(&(*out)[k++], &pulls_v[i]);
		}
	}
	pthread_mutex_unlock(&pulls_mu);
	return k;
}

void
pulls_free_list(struct pull *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		pulls_release(&v[i]);
	}
	free(v);
}

int
pulls_add_labels(const char *repo, long number, const char *const *names,
		 size_t n)
{
	pthread_mutex_lock(&pulls_mu);
	struct pull *p = pulls_find(repo, number);
	for (size_t i = 0; p && i < n; i++) {
		pulls_list_add(&p->labels, &p->nlabels, names[i]);
		p->updated = (long long)time(NULL);
	}
	pthread_mutex_unlock(&pulls_mu);
	return p ? 0 : -1;
}

int
pulls_add_reviewers(const char *repo, long number, const char *const *names,
		    size_t n)
{
	pthread_mutex_lock(&pulls_mu);
	struct pull *p = pulls_find(repo, number);
	for (size_t i = 0; p && i < n; i++) {
		pulls_list_add(&p->reviewers, &p->nreviewers, names[i]);
		p->updated = (long long)time(NULL);
	}
	pthread_mutex_unlock(&pulls_mu);
	return p ? 0 : -1;
}

int
pulls_set_merged(const char *repo, long number, const char *sha,
		 const char *head_sha)
{
	pthread_mutex_lock(&pulls_mu);
	struct pull *p = pulls_find(repo, number);
	int rc = -1;
	if (p && p->state == PULL_OPEN) {
		p->state = PULL_MERGED;
		snprintf(p->merged_sha, sizeof(p->merged_sha), "%s", sha);
		snprintf(p->head_sha, sizeof(p->head_sha), "%s", head_sha);
		p->updated = (long long)time(NULL);
		rc = 0;
	}
	pthread_mutex_unlock(&pulls_mu);
	return rc;
}
