/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watchview: one frame of `kubectl-rollouts watch ROLLOUT`, the live view,
 * as lines of text with attribute runs: a header (name, namespace, status,
 * strategy, revision, images with their role tags, how long the current
 * step has run), the canary steps or blue-green stages with done / current
 * / pending marks, the traffic bar, the current analysis (per metric its
 * phase, counts against limits, latest value and a small trend), the abort
 * reason, the caller's event log, and the ReplicaSets with their pods
 * (scrollable), laid out for a
 * cols x rows screen (80x24 at least; wider screens put steps and analysis
 * side by side). The last row is the caller's status line. Also the
 * frame of the list of rollouts (watchview_list_render, below).
 *
 * Pure: no I/O, no clock, no environment, no curses. The model (struct
 * ro_info) gives the status, weights, images and the revision tree; the
 * objects it was built from (struct ro_objects) give what the model does
 * not keep: the steps, pause conditions and measurements.
 *
 * Ownership: models and objects are borrowed for the call; the frame owns
 * its lines (watchview_frame_release()). Widths are counted in code points
 * (every icon used is one column wide).
 */
#ifndef PD_WATCHVIEW_H
#define PD_WATCHVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "rollout.h"

/* Attributes of a run of text. Without colour only the monochrome ones
 * (NORMAL, BOLD, DIM, REVERSE) appear. */
enum watchview_attr {
	WATCHVIEW_NORMAL = 0,
	WATCHVIEW_BOLD,
	WATCHVIEW_DIM,
	WATCHVIEW_REVERSE,
	WATCHVIEW_GOOD,     /* green */
	WATCHVIEW_BAD,      /* red */
	WATCHVIEW_WARN,     /* yellow */
	WATCHVIEW_INFO,     /* blue */
	WATCHVIEW_STABLE,   /* the stable side of the traffic bar */
	WATCHVIEW_CANARY,   /* the canary side */
};

struct watchview_span {
	size_t off, len;    /* bytes of the line's text */
	enum watchview_attr attr;
};

struct watchview_line {
	char *text;         /* at most cols code points, no trailing "\n" */
	struct watchview_span *spans;
	size_t n_spans;
};

struct watchview_frame {
	struct watchview_line *lines;  /* exactly rows lines */
	size_t n_lines;
	int scroll_max;     /* the largest useful scroll offset */
};

struct watchview_opts {
	int cols, rows;     /* the screen; below 40x10 is drawn as 40x10 */
	bool color;
	bool utf8;          /* false: ASCII icons, marks and bars */
	int scroll;         /* first line of the ReplicaSet section */
	time_t now;         /* countdowns and ages; 0 = the model's now */
	const char *status; /* the bottom line; NULL: the key hints */
	const char *const *events; /* transitions seen, oldest first: the
				      newest that fit show above the
				      ReplicaSets */
	size_t n_events;
	bool reconnecting;  /* the watches are down: said in the header */
	const cJSON *virtualservices; /* Istio VirtualServices (an array,
					 may be NULL): their weights show
					 under the traffic bar */
	const char *gitops;  /* the Argo CD applications that manage the
				rollout (gitops_chain_summary), shown as
				"GitOps: ..." under the header; NULL: none */
};

/* Lay out one frame (f is overwritten; release it first when reused). */
void watchview_render(struct watchview_frame *f, const struct ro_info *ri,
		      const struct ro_objects *o,
		      const struct watchview_opts *opts);
void watchview_frame_release(struct watchview_frame *f);

/* The frame as plain text: one "\n"-ended line per row, trailing spaces
 * removed (the screen-dump mode and the goldens). */
void watchview_frame_text(const struct watchview_frame *f, struct buf *out);

/*
 * The list of `watch` without a name (or with -A, -l): a title (the scope,
 * how many, the filter), the table of `list rollouts` for the rollouts
 * whose name contains the filter, the selected row marked (and reversed),
 * scrolled to keep it in sight, and the status line (the filter's prompt
 * while it is typed). items: a cJSON array of Rollouts, borrowed.
 */
struct watchview_list_opts {
	int cols, rows;     /* below 40x10 is drawn as 40x10 */
	bool color, utf8;
	bool all_namespaces; /* a NAMESPACE column */
	const char *scope;  /* the title's words: "namespace 'shop'", ... */
	const char *filter; /* names containing it; NULL or "": all */
	bool filtering;     /* the filter is being typed */
	int selected;       /* index among the rollouts shown */
	time_t now;         /* the ages */
	const char *status; /* NULL: the key hints */
	bool reconnecting;
};
void watchview_list_render(struct watchview_frame *f, const cJSON *items,
			   const struct watchview_list_opts *o);
/* How many of items the filter shows; the n-th of them (or NULL). */
size_t watchview_list_count(const cJSON *items, const char *filter);
const cJSON *watchview_list_nth(const cJSON *items, const char *filter,
				size_t n);

#endif
