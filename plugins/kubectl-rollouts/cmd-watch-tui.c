/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-watch-tui: the full-screen part of `watch`, with ncursesw. Event
 * driven: informer_run_fds() waits on the informers' connections, the
 * terminal's input and a SIGWINCH pipe together; a change redraws at once
 * (the frame of src/watchview.c), a key is read as soon as it comes, and a
 * 1 Hz tick redraws only when the second shown changed (countdowns, ages).
 * Two screens: the list of rollouts (watch without a name, -A, -l: one
 * informer on the rollouts, Enter opens one, / filters by name) and one
 * rollout's view (the informers of `get -w`, and the namespace's Istio
 * VirtualServices when the rollout routes through Istio; Esc returns to the
 * list). Switching screens ends the informers' run and starts the other's
 * (the list resumes its watch from its resourceVersion).
 * q, Ctrl-C and SIGTERM end the loop and endwin() restores the terminal.
 * p, a (after y), r, z, P, u, R run the write commands' own exec on a copy
 * of the context, their standard output and error caught in a temporary
 * file whose last line becomes the status line.
 * PDKIT_WATCH_TRACE=FILE appends, for each redraw a watch event caused,
 * "event MS redraw MS" (CLOCK_MONOTONIC milliseconds: when the event's
 * bytes reached the informer, when the redraw was on the terminal): the
 * bench's latency figure.
 * Built without the tui feature (PDKIT_TUI undefined), it is one line
 * saying so and exit 1.
 */
#include "cmd-watch.h"

#ifndef PDKIT_TUI

int
cmd_watch_tui(struct cmd_ctx *ctx, const char *name)
{
	(void)name;
	err_set(&ctx->err, PD_ERUNTIME, "built without the watch view "
		"(meson -Dtui=enabled)");
	return cmd_fail(ctx);
}

#endif

#ifdef PDKIT_TUI

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fetch.h"
#include "gitops.h"
#include "json.h"
#include "rollout.h"
#include "xalloc.h"

extern const struct cmd_entry cmd_promote_entry;
extern const struct cmd_entry cmd_abort_entry;
extern const struct cmd_entry cmd_retry_rollout_entry;
extern const struct cmd_entry cmd_pause_entry;
extern const struct cmd_entry cmd_undo_entry;
extern const struct cmd_entry cmd_restart_entry;

enum {
	FETCH_WATCH_PODS = 4,      /* fetch_watch's pods informer */
	CMD_WATCH_TUI_EVENTS = 50,  /* the event log's bound */
	CMD_WATCH_TUI_SWITCH = 2,   /* tick: change screens */
	CMD_WATCH_TUI_ESC = 27,
};

struct cmd_watch_tui {
	struct cmd_ctx *ctx;
	bool color, utf8;
	struct buf status;      /* the status line ("" = key hints) */
	time_t drawn_now;       /* the second last drawn */
	bool dirty;
	bool reconnecting;
	bool help;
	FILE *trace;            /* PDKIT_WATCH_TRACE, or NULL */
	int winch;              /* the SIGWINCH pipe's read end */

	/* the list (list.path NULL: watch NAME, no list) */
	struct cmd_watch_list list;
	struct informer *rollouts;
	struct buf filter;
	bool filtering;
	int selected;

	/* the rollout shown (name NULL: the list is shown) */
	char *name, *ns;
	struct fetch_watch fw;
	struct informer *vs;    /* VirtualServices, or NULL */
	struct informer *apps;  /* Argo CD Applications, or NULL */
	int scroll;
	int confirm;            /* the key awaiting y/n, or 0 */
	char *events[CMD_WATCH_TUI_EVENTS];
	size_t n_events;
	char *last_status, *last_step, *last_runs;

	/* what the run that ended with CMD_WATCH_TUI_SWITCH asks for:
	 * open (a copy of) this rollout, or (NULL) back to the list */
	cJSON *open;
};

static volatile sig_atomic_t cmd_watch_tui_winch_fd = -1;

static void
cmd_watch_tui_on_winch(int sig)
{
	(void)sig;
	int saved = errno;
	if (cmd_watch_tui_winch_fd >= 0) {
		ssize_t r = write(cmd_watch_tui_winch_fd, "w", 1);
		(void)r;
	}
	errno = saved;
}

static int
cmd_watch_tui_attr(const struct cmd_watch_tui *t, enum watchview_attr a)
{
	switch (a) {
	case WATCHVIEW_BOLD:
		return A_BOLD;
	case WATCHVIEW_DIM:
		return A_DIM;
	case WATCHVIEW_REVERSE:
		return A_REVERSE;
	case WATCHVIEW_GOOD:
		return t->color ? COLOR_PAIR(1) : 0;
	case WATCHVIEW_BAD:
		return t->color ? COLOR_PAIR(2) | A_BOLD : A_BOLD;
	case WATCHVIEW_WARN:
		return t->color ? COLOR_PAIR(3) : A_BOLD;
	case WATCHVIEW_INFO:
		return t->color ? COLOR_PAIR(4) : 0;
	case WATCHVIEW_STABLE:
		return t->color ? COLOR_PAIR(5) : 0;
	case WATCHVIEW_CANARY:
		return t->color ? COLOR_PAIR(6) : A_REVERSE;
	default:
		return 0;
	}
}

static void
cmd_watch_tui_help(const struct cmd_watch_tui *t)
{
	static const char *const lines[] = {
		"keys",
		"  p        promote (the next step)",
		"  P        promote --full (asks y/n)",
		"  a        abort (asks y/n)",
		"  r        retry an aborted rollout",
		"  z        pause",
		"  u        undo to the previous revision (asks y/n)",
		"  R        restart the pods (asks y/n)",
		"  j k      scroll the ReplicaSets (arrows, PgUp, PgDn too)",
		"  ?        this help (any key closes it)",
		"  q        quit (Ctrl-C too)",
		"  Esc      back to the list",
	};
	size_t n = sizeof(lines) / sizeof(lines[0]);
	if (!t->list.path) {
		n--;
	}
	for (size_t i = 0; i < n; i++) {
		mvaddnstr(2 + (int)i, 2, lines[i], COLS > 4 ? COLS - 4 : 0);
		clrtoeol();
	}
}

/* ---- the event log -------------------------------------------------------- */

/* Log "HH:MM:SS what" (UTC), dropping the oldest past the bound. */
static void
cmd_watch_tui_event(struct cmd_watch_tui *t, const char *what)
{
	time_t now = cmd_now(t->ctx);
	struct tm tm;
	gmtime_r(&now, &tm);
	if (t->n_events == CMD_WATCH_TUI_EVENTS) {
		free(t->events[0]);
		memmove(t->events, t->events + 1,
			(CMD_WATCH_TUI_EVENTS - 1) * sizeof(t->events[0]));
		t->n_events--;
	}
	t->events[t->n_events++] = xasprintf("%02d:%02d:%02d %s", tm.tm_hour,
					     tm.tm_min, tm.tm_sec, what);
}

/* Compare old (may be NULL: the first view, nothing logged) with cur;
 * log "LABEL old -> cur" when they differ; keep cur. */
static void
cmd_watch_tui_diff(struct cmd_watch_tui *t, char **old, const char *cur,
		   const char *label)
{
	if (*old && strcmp(*old, cur) != 0) {
		char *e = xasprintf("%s %s -> %s", label, **old ? *old : "-",
				    *cur ? cur : "-");
		cmd_watch_tui_event(t, e);
		free(e);
	}
	free(*old);
	*old = xstrdup(cur);
}

/* The transitions between the last view and ri: status (with message),
 * step, and the newest revision's analysis runs' phases. */
static void
cmd_watch_tui_transitions(struct cmd_watch_tui *t, const struct ro_info *ri)
{
	struct buf b = BUF_INIT;
	buf_adds(&b, ri->status ? ri->status : "");
	if (ri->message && *ri->message) {
		buf_addf(&b, " (%s)", ri->message);
	}
	cmd_watch_tui_diff(t, &t->last_status, b.buf, "status");
	cmd_watch_tui_diff(t, &t->last_step, ri->step ? ri->step : "", "step");
	buf_reset(&b);
	if (ri->n_revisions) {
		const struct ro_revision *rv = &ri->revisions[0];
		for (size_t i = 0; i < rv->n_analysisruns; i++) {
			buf_addf(&b, "%s%s %s", i ? ", " : "",
				 rv->analysisruns[i].name,
				 *rv->analysisruns[i].status ?
				 rv->analysisruns[i].status : "Pending");
		}
	}
	cmd_watch_tui_diff(t, &t->last_runs, b.buf, "analysis");
	buf_release(&b);
}

static void
cmd_watch_tui_events_clear(struct cmd_watch_tui *t)
{
	for (size_t i = 0; i < t->n_events; i++) {
		free(t->events[i]);
	}
	t->n_events = 0;
	free(t->last_status);
	free(t->last_step);
	free(t->last_runs);
	t->last_status = t->last_step = t->last_runs = NULL;
}

/* ---- drawing -------------------------------------------------------------- */

static void
cmd_watch_tui_paint(struct cmd_watch_tui *t, const struct watchview_frame *f)
{
	erase();
	for (size_t i = 0; i < f->n_lines && (int)i < LINES; i++) {
		const struct watchview_line *l = &f->lines[i];
		size_t at = 0;
		move((int)i, 0);
		for (size_t s = 0; s <= l->n_spans; s++) {
			size_t end = s < l->n_spans ? l->spans[s].off
				: strlen(l->text);
			if (end > at) {
				addnstr(l->text + at, (int)(end - at));
			}
			if (s == l->n_spans) {
				break;
			}
			int a = cmd_watch_tui_attr(t, l->spans[s].attr);
			attron(a);
			addnstr(l->text + l->spans[s].off, (int)l->spans[s].len);
			attroff(a);
			at = l->spans[s].off + l->spans[s].len;
		}
	}
	if (t->help && t->name) {
		cmd_watch_tui_help(t);
	}
	refresh();
	t->drawn_now = cmd_now(t->ctx);
	t->dirty = false;
}

static void
cmd_watch_tui_draw_rollout(struct cmd_watch_tui *t,
			   const struct ro_objects *objs,
			   const struct ro_info *ri)
{
	/* the GitOps line: the applications that manage the rollout */
	struct buf gitops = BUF_INIT;
	if (t->apps) {
		const cJSON *chain[8];
		size_t n = gitops_chain(informer_items(t->apps), objs->rollout,
					NULL, chain, 8);
		gitops_chain_summary(&gitops, chain, n);
	}
	struct watchview_opts vo = {
		.gitops = gitops.len ? gitops.buf : NULL,
		.cols = COLS, .rows = LINES, .color = t->color,
		.utf8 = t->utf8, .scroll = t->scroll,
		.now = cmd_now(t->ctx),
		.status = t->status.len ? t->status.buf : NULL,
		.events = (const char *const *)t->events,
		.n_events = t->n_events,
		.reconnecting = t->reconnecting,
		.virtualservices = t->vs ? informer_items(t->vs) : NULL,
	};
	struct watchview_frame f;
	watchview_render(&f, ri, objs, &vo);
	t->scroll = t->scroll > f.scroll_max ? f.scroll_max : t->scroll;
	cmd_watch_tui_paint(t, &f);
	watchview_frame_release(&f);
}

static void
cmd_watch_tui_draw_list(struct cmd_watch_tui *t)
{
	const cJSON *items = informer_items(t->rollouts);
	size_t n = watchview_list_count(items, t->filter.buf);
	if (t->selected >= (int)n) {
		t->selected = n ? (int)n - 1 : 0;
	}
	struct watchview_list_opts lo = {
		.cols = COLS, .rows = LINES, .color = t->color,
		.utf8 = t->utf8, .all_namespaces = t->list.all,
		.scope = t->list.scope, .filter = t->filter.buf,
		.filtering = t->filtering, .selected = t->selected,
		.now = cmd_now(t->ctx),
		.status = t->status.len ? t->status.buf : NULL,
		.reconnecting = t->reconnecting,
	};
	struct watchview_frame f;
	watchview_list_render(&f, items, &lo);
	cmd_watch_tui_paint(t, &f);
	watchview_frame_release(&f);
}

/* ---- actions -------------------------------------------------------------- */

/* Run a write command's own code on the rollout, its standard output and
 * error caught into the status line (the last line either wrote). */
static void
cmd_watch_tui_act(struct cmd_watch_tui *t, const struct cmd_entry *e,
		  const char *flag)
{
	struct cmd_ctx sub = *t->ctx;
	char *args[] = { t->name, NULL };
	sub.entry = e;
	sub.args = args;
	sub.nargs = 1;
	/* the flags are the parent's (the connection's) plus flag, in
	 * arrays of the sub-context's own */
	sub.avals = t->ctx->nvals + 1;
	sub.val_name = xcalloc((size_t)sub.avals, sizeof(*sub.val_name));
	sub.val = xcalloc((size_t)sub.avals, sizeof(*sub.val));
	for (int i = 0; i < t->ctx->nvals; i++) {
		sub.val_name[i] = t->ctx->val_name[i];
		sub.val[i] = t->ctx->val[i];
	}
	sub.nvals = t->ctx->nvals;
	if (flag) {
		cmd_flag_add(&sub, flag, "true");
	}
	/* the rollout's own namespace (opened from a list of several) */
	sub.cfg.namespace = t->ns;
	memset(&sub.err, 0, sizeof(sub.err));
	buf_reset(&t->status);
	char *path = xasprintf("%s/kr-watch-XXXXXX", getenv("TMPDIR") &&
			       *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0) {
		buf_addf(&t->status, "cannot run %s: no temporary file",
			 e->name);
		free(path);
		free(sub.val_name);
		free(sub.val);
		return;
	}
	unlink(path);
	free(path);
	fflush(stdout);
	fflush(stderr);
	int out = dup(1), err = dup(2);
	dup2(fd, 1);
	dup2(fd, 2);
	int rc = e->exec(&sub);
	fflush(stdout);
	fflush(stderr);
	dup2(out, 1);
	dup2(err, 2);
	close(out);
	close(err);
	struct buf b = BUF_INIT;
	lseek(fd, 0, SEEK_SET);
	char chunk[4096];
	ssize_t n;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n <= 0) {
			break;
		}
		buf_add(&b, chunk, (size_t)n);
	}
	close(fd);
	buf_trim(&b);
	const char *last = strrchr(b.buf, '\n');
	last = last ? last + 1 : b.buf;
	if (*last) {
		buf_adds(&t->status, last);
	} else {
		buf_addf(&t->status, "%s: exit %d", e->name, rc);
	}
	buf_release(&b);
	free(sub.val_name);
	free(sub.val);
	t->dirty = true;
}

/* A key's command, its flag (or NULL), whether it asks y/n first and the
 * question's verb. */
struct cmd_watch_tui_action {
	int key;
	const struct cmd_entry *e;
	const char *flag;
	const char *ask;    /* NULL: no question */
};

static const struct cmd_watch_tui_action *
cmd_watch_tui_action(int key)
{
	static const struct cmd_watch_tui_action tab[] = {
		{ 'p', &cmd_promote_entry, NULL, NULL },
		{ 'P', &cmd_promote_entry, "full", "fully promote" },
		{ 'a', &cmd_abort_entry, NULL, "abort" },
		{ 'r', &cmd_retry_rollout_entry, NULL, NULL },
		{ 'z', &cmd_pause_entry, NULL, NULL },
		{ 'u', &cmd_undo_entry, NULL, "undo" },
		{ 'R', &cmd_restart_entry, NULL, "restart" },
	};
	for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		if (tab[i].key == key) {
			return &tab[i];
		}
	}
	return NULL;
}

/* ---- keys ----------------------------------------------------------------- */

/* One key in the rollout's view: 1 to quit, CMD_WATCH_TUI_SWITCH back to
 * the list, else 0. */
static int
cmd_watch_tui_key(struct cmd_watch_tui *t, int key)
{
	t->dirty = true;
	if (t->help) {
		t->help = false;
		return 0;
	}
	if (t->confirm) {
		int k = t->confirm;
		t->confirm = 0;
		buf_reset(&t->status);
		const struct cmd_watch_tui_action *ac = cmd_watch_tui_action(k);
		if (key == 'y' || key == 'Y') {
			cmd_watch_tui_act(t, ac->e, ac->flag);
		} else {
			buf_adds(&t->status, "cancelled");
		}
		return 0;
	}
	const struct cmd_watch_tui_action *ac = cmd_watch_tui_action(key);
	if (ac && ac->ask) {
		t->confirm = key;
		buf_reset(&t->status);
		buf_addf(&t->status, "%s rollout '%s'? (y/n)", ac->ask, t->name);
		return 0;
	}
	if (ac) {
		cmd_watch_tui_act(t, ac->e, ac->flag);
		return 0;
	}
	switch (key) {
	case 'q':
	case 'Q':
		return 1;
	case CMD_WATCH_TUI_ESC:
		if (t->list.path) {
			t->open = NULL;
			buf_reset(&t->status);
			return CMD_WATCH_TUI_SWITCH;
		}
		return 0;
	case '?':
		t->help = true;
		return 0;
	case 'j':
	case KEY_DOWN:
		t->scroll++;
		return 0;
	case 'k':
	case KEY_UP:
		t->scroll = t->scroll > 0 ? t->scroll - 1 : 0;
		return 0;
	case KEY_NPAGE:
		t->scroll += LINES / 2;
		return 0;
	case KEY_PPAGE:
		t->scroll = t->scroll > LINES / 2 ? t->scroll - LINES / 2 : 0;
		return 0;
	default:
		t->dirty = false;
		return 0;
	}
}

/* One key in the list: 1 to quit, CMD_WATCH_TUI_SWITCH to open the
 * selected rollout, else 0. */
static int
cmd_watch_tui_list_key(struct cmd_watch_tui *t, int key)
{
	t->dirty = true;
	bool enter = key == '\n' || key == '\r' || key == KEY_ENTER;
	if (t->filtering) {
		if (key == CMD_WATCH_TUI_ESC) {
			buf_reset(&t->filter);
			t->filtering = false;
		} else if (enter) {
			t->filtering = false;
		} else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
			if (t->filter.len) {
				buf_setlen(&t->filter, t->filter.len - 1);
			}
		} else if (key >= 0x20 && key < 0x7f) {
			buf_addch(&t->filter, (char)key);
		} else {
			t->dirty = false;
		}
		t->selected = 0;
		return 0;
	}
	const cJSON *items = informer_items(t->rollouts);
	int n = (int)watchview_list_count(items, t->filter.buf);
	int page = LINES > 6 ? LINES - 4 : 1;
	switch (key) {
	case 'q':
	case 'Q':
		return 1;
	case '/':
		t->filtering = true;
		buf_reset(&t->status);
		return 0;
	case CMD_WATCH_TUI_ESC:
		buf_reset(&t->filter);
		buf_reset(&t->status);
		return 0;
	case 'j':
	case KEY_DOWN:
		t->selected = t->selected + 1 < n ? t->selected + 1 : t->selected;
		return 0;
	case 'k':
	case KEY_UP:
		t->selected = t->selected > 0 ? t->selected - 1 : 0;
		return 0;
	case KEY_NPAGE:
		t->selected = t->selected + page < n ? t->selected + page
			      : n > 0 ? n - 1 : 0;
		return 0;
	case KEY_PPAGE:
		t->selected = t->selected > page ? t->selected - page : 0;
		return 0;
	case KEY_HOME:
	case 'g':
		t->selected = 0;
		return 0;
	case KEY_END:
	case 'G':
		t->selected = n > 0 ? n - 1 : 0;
		return 0;
	default:
		break;
	}
	if (enter) {
		const cJSON *ro = watchview_list_nth(items, t->filter.buf,
						     (size_t)t->selected);
		if (ro) {
			t->open = cJSON_Duplicate(ro, 1);
			return CMD_WATCH_TUI_SWITCH;
		}
		return 0;
	}
	t->dirty = false;
	return 0;
}

/* ---- the loop ------------------------------------------------------------- */

/* Whether fd, after its keys were read, has hung up or reached its end
 * (the terminal is gone: a readable fd left unread would spin the loop). */
static bool
cmd_watch_tui_hup(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 0) <= 0) {
		return false;
	}
	if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) {
		return true;
	}
	int n = 0;
	return (p.revents & POLLIN) && ioctl(fd, FIONREAD, &n) == 0 && n == 0;
}

/* A SIGWINCH came: take the terminal's new size. */
static void
cmd_watch_tui_resize(struct cmd_watch_tui *t)
{
	char drain[64];
	bool got = false;
	while (read(t->winch, drain, sizeof(drain)) > 0) {
		got = true;
	}
	struct winsize ws;
	if (got && ioctl(1, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0) {
		resize_term(ws.ws_row, ws.ws_col);
		clearok(curscr, TRUE);
		t->dirty = true;
	}
}

/* The keys waiting: 0 to go on, else the tick's return. */
static int
cmd_watch_tui_keys(struct cmd_watch_tui *t)
{
	for (;;) {
		int key = getch();
		if (key == ERR) {
			break;
		}
		if (key == KEY_RESIZE) {
			t->dirty = true;
			continue;
		}
		int r = t->name ? cmd_watch_tui_key(t, key)
				: cmd_watch_tui_list_key(t, key);
		if (r) {
			return r;
		}
	}
	return cmd_watch_tui_hup(0) ? 1 : 0;
}

/* The watches are down (some informer waits to retry): say so, log it. */
static void
cmd_watch_tui_down(struct cmd_watch_tui *t, struct informer *const *infs,
		   size_t n)
{
	bool down = false;
	for (size_t i = 0; i < n; i++) {
		down |= informer_retrying(infs[i]);
	}
	if (down != t->reconnecting) {
		t->reconnecting = down;
		t->dirty = true;
		if (t->name) {
			cmd_watch_tui_event(t, down ? "watch lost: reconnecting"
					    : "watch back");
		}
	}
}

static void
cmd_watch_tui_trace(struct cmd_watch_tui *t, struct informer *const *infs,
		    size_t n)
{
	double first = 0;
	for (size_t i = 0; i < n; i++) {
		double at = informer_change_ms(infs[i]);
		if (at > 0 && (first == 0 || at < first)) {
			first = at;
		}
	}
	if (first > 0) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		fprintf(t->trace, "event %.3f redraw %.3f\n", first,
			(double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6);
		fflush(t->trace);
	}
}

static size_t
cmd_watch_tui_infs(struct cmd_watch_tui *t, struct informer **infs)
{
	size_t n = 0;
	if (!t->name) {
		infs[n++] = t->rollouts;
		return n;
	}
	for (size_t i = 0; i < t->fw.n; i++) {
		infs[n++] = t->fw.infs[i];
	}
	if (t->vs) {
		infs[n++] = t->vs;
	}
	if (t->apps) {
		infs[n++] = t->apps;
	}
	return n;
}

static int
cmd_watch_tui_tick(void *arg, bool changed)
{
	struct cmd_watch_tui *t = arg;
	struct informer *infs[8];
	size_t n = cmd_watch_tui_infs(t, infs);
	cmd_watch_tui_resize(t);
	int r = cmd_watch_tui_keys(t);
	if (r) {
		return r;
	}
	cmd_watch_tui_down(t, infs, n);
	bool second = cmd_now(t->ctx) != t->drawn_now;
	if (!t->name) {
		if (changed || t->dirty || second) {
			cmd_watch_tui_draw_list(t);
		}
	} else {
		struct fetch_set fs;
		if (!fetch_watch_view(&t->fw, &fs)) {
			if (t->list.path) {
				buf_reset(&t->status);
				buf_addf(&t->status, "rollout '%s' was deleted",
					 t->name);
				t->open = NULL;
				return CMD_WATCH_TUI_SWITCH;
			}
			err_set(&t->ctx->err, PD_ENOTFOUND,
				"rollout '%s' was deleted", t->name);
			return -1;
		}
		/* the model once for the transitions and the frame: a
		 * redraw on a change, a key, and once a second for the
		 * countdowns and ages */
		bool log = changed || !t->last_status;
		if (log || t->dirty || second) {
			struct ro_objects objs = {
				.rollout = fs.rollout,
				.replicasets = fs.replicasets,
				.pods = fs.pods,
				.analysisruns = fs.analysisruns,
				.experiments = fs.experiments,
				.deployments = fs.deployments,
			};
			struct ro_info *ri = rollout_info_new(&objs,
							      cmd_now(t->ctx));
			if (log) {
				cmd_watch_tui_transitions(t, ri);
			}
			cmd_watch_tui_draw_rollout(t, &objs, ri);
			rollout_info_free(ri);
		}
	}
	if (changed && t->trace) {
		cmd_watch_tui_trace(t, infs, n);
	}
	return 0;
}

/* Leave the rollout's view: free its informers and log. */
static void
cmd_watch_tui_close(struct cmd_watch_tui *t)
{
	if (!t->name) {
		return;
	}
	fetch_watch_release(&t->fw);
	informer_free(t->vs);
	t->vs = NULL;
	informer_free(t->apps);
	t->apps = NULL;
	cmd_watch_tui_events_clear(t);
	free(t->name);
	free(t->ns);
	t->name = t->ns = NULL;
	t->scroll = 0;
	t->confirm = 0;
	t->help = false;
}

/* Show the rollout first (an object of the first fetch or of the list):
 * the informers of get -w, and of the VirtualServices when it routes
 * through Istio and they can be listed. */
static void
cmd_watch_tui_open(struct cmd_watch_tui *t, const cJSON *first)
{
	const char *name = json_str(first, "metadata.name");
	const char *ns = json_str(first, "metadata.namespace");
	t->name = xstrdup(name ? name : "");
	t->ns = xstrdup(ns && *ns ? ns : cmd_namespace(t->ctx));
	struct kube_client *c = cmd_client(t->ctx);
	fetch_watch_init(&t->fw, c, t->ns, t->name, true, first);
	for (size_t i = 0; i < t->fw.n; i++) {
		informer_set_trim(t->fw.infs[i], i == FETCH_WATCH_PODS
				  ? cmd_watch_trim_pod : cmd_watch_trim);
	}
	if (cmd_watch_istio(first)) {
		cJSON *vs = cmd_watch_vs_list(t->ctx, t->ns);
		if (vs) {
			char *p = cmd_watch_vs_path(t->ns);
			t->vs = informer_new(c, p, NULL);
			free(p);
		}
		cJSON_Delete(vs);
	}
	/* managed by Argo CD: its applications, when they can be listed
	 * (a forbidden list would stop the view) */
	cJSON *apps = fetch_applications(c, first, NULL);
	if (apps) {
		char *p = fetch_applications_path(first, NULL);
		t->apps = informer_new(c, p, NULL);
		free(p);
	}
	cJSON_Delete(apps);
	buf_reset(&t->status);
	t->dirty = true;
}

/* The rollout alone (the informers list the rest): 0, or the exit code of
 * the reported failure (not found: one line naming the namespace). */
static int
cmd_watch_tui_get(struct cmd_ctx *ctx, const char *name, cJSON **ro)
{
	struct kube_client *c = cmd_client(ctx);
	if (!c) {
		return cmd_fail(ctx);
	}
	char *path = kube_path("argoproj.io", "v1alpha1", cmd_namespace(ctx),
			       "rollouts", name);
	int rc = kube_request(c, "GET", path, NULL, NULL, ro, &ctx->err);
	free(path);
	if (rc < 0) {
		if (-rc == PD_ENOTFOUND && ctx->err.http_status == 404) {
			err_set(&ctx->err, PD_ENOTFOUND,
				"rollout '%s' not found in namespace '%s'",
				name, cmd_namespace(ctx));
		}
		return cmd_fail(ctx);
	}
	return 0;
}

static void
cmd_watch_tui_colors(struct cmd_watch_tui *t)
{
	t->color = t->ctx->color && has_colors() && !getenv("NO_COLOR");
	if (!t->color) {
		return;
	}
	start_color();
	use_default_colors();
	init_pair(1, COLOR_GREEN, -1);
	init_pair(2, COLOR_RED, -1);
	init_pair(3, COLOR_YELLOW, -1);
	init_pair(4, COLOR_BLUE, -1);
	init_pair(5, COLOR_GREEN, -1);
	init_pair(6, COLOR_YELLOW, -1);
}

int
cmd_watch_tui(struct cmd_ctx *ctx, const char *name)
{
	struct cmd_watch_tui t;
	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.winch = -1;
	buf_init(&t.status, 0);
	buf_init(&t.filter, 0);
	/* the first fetch: an unknown rollout or a forbidden list is one
	 * line before the screen is taken */
	cJSON *first = NULL;
	int rc;
	if (name) {
		rc = cmd_watch_tui_get(ctx, name, &first);
	} else {
		rc = cmd_watch_list_scope(ctx, &t.list) < 0 ? cmd_fail(ctx) : 0;
		if (rc == 0) {
			cJSON *list = NULL;
			if (kube_list(cmd_client(ctx), t.list.path,
				      t.list.query, &list, &ctx->err) < 0) {
				rc = cmd_fail(ctx);
			}
			cJSON_Delete(list);
		}
	}
	if (rc != 0) {
		cmd_watch_list_release(&t.list);
		buf_release(&t.status);
		buf_release(&t.filter);
		return rc;
	}
	t.utf8 = cmd_watch_utf8();
	const char *trace = getenv("PDKIT_WATCH_TRACE");
	if (trace && *trace) {
		t.trace = fopen(trace, "ae");
	}
	int pfd[2];
	if (pipe(pfd) == 0) {
		fcntl(pfd[0], F_SETFL, O_NONBLOCK);
		fcntl(pfd[1], F_SETFL, O_NONBLOCK);
		fcntl(pfd[0], F_SETFD, FD_CLOEXEC);
		fcntl(pfd[1], F_SETFD, FD_CLOEXEC);
		t.winch = pfd[0];
		cmd_watch_tui_winch_fd = pfd[1];
		/* before newterm: ncurses then keeps its own handler out */
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = cmd_watch_tui_on_winch;
		sa.sa_flags = SA_RESTART;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGWINCH, &sa, NULL);
	}
	if (name) {
		cmd_watch_tui_open(&t, first);
	} else {
		t.rollouts = informer_new(cmd_client(ctx), t.list.path,
					  t.list.query);
		informer_set_trim(t.rollouts, cmd_watch_trim);
	}
	cJSON_Delete(first);

	/* newterm rather than initscr, so delscreen() frees the screen */
	SCREEN *scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		err_set(&ctx->err, PD_ERUNTIME, "cannot start the view on "
			"terminal type '%s'", getenv("TERM") ? getenv("TERM")
			: "");
		rc = -1;
		goto out;
	}
	set_term(scr);
	set_escdelay(25);
	cbreak();
	noecho();
	nodelay(stdscr, TRUE);
	keypad(stdscr, TRUE);
	curs_set(0);
	cmd_watch_tui_colors(&t);
	cmd_catch_signals();
	/* the informers' loop: woken by their connections, the keys and a
	 * resize; a tick at least once a second for the ages */
	const int fds[] = { 0, t.winch };
	for (;;) {
		struct informer *infs[8];
		size_t n = cmd_watch_tui_infs(&t, infs);
		t.dirty = true;
		rc = informer_run_fds(infs, n, 1000, fds, t.winch >= 0 ? 2 : 1,
				      cmd_watch_tui_tick, &t,
				      &cmd_interrupted, &ctx->err);
		if (rc != CMD_WATCH_TUI_SWITCH) {
			break;
		}
		if (t.name) {
			cmd_watch_tui_close(&t);
			t.reconnecting = false;
		} else if (t.open) {
			/* the list's informer keeps its cache and resumes
			 * its watch on the way back */
			cmd_watch_tui_open(&t, t.open);
			cJSON_Delete(t.open);
			t.open = NULL;
			continue;
		}
		if (!t.rollouts) {
			t.rollouts = informer_new(cmd_client(ctx),
						  t.list.path, t.list.query);
			informer_set_trim(t.rollouts, cmd_watch_trim);
		}
	}
	endwin();
	delscreen(scr);
out:
	if (t.winch >= 0) {
		signal(SIGWINCH, SIG_DFL);
		close((int)cmd_watch_tui_winch_fd);
		cmd_watch_tui_winch_fd = -1;
		close(t.winch);
	}
	if (t.trace) {
		fclose(t.trace);
	}
	cmd_watch_tui_close(&t);
	informer_free(t.rollouts);
	cJSON_Delete(t.open);
	cmd_watch_list_release(&t.list);
	buf_release(&t.status);
	buf_release(&t.filter);
	if (rc == 1 || (rc == -PD_ETIMEOUT && cmd_interrupted)) {
		return 0;
	}
	return cmd_fail(ctx);
}

#endif
