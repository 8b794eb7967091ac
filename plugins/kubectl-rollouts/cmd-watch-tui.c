/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cmd-watch-tui: the full-screen part of `watch`, with ncursesw: the
 * informers of `get -w` (fetch_watch_*) keep the objects; each tick (every
 * 100 ms, to read keys without blocking the informers' loop) redraws the
 * frame of src/watchview.c when the objects changed, a key was pressed or
 * the second changed (countdowns and ages). ncurses turns SIGWINCH into
 * KEY_RESIZE; q, Ctrl-C and SIGTERM end the loop and endwin() restores the
 * terminal. p, a (after y), r and z run the write commands' own exec on a
 * copy of the context, their standard output and error caught in a
 * temporary file whose last line becomes the status line.
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
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "rollout.h"
#include "xalloc.h"

extern const struct cmd_entry cmd_promote_entry;
extern const struct cmd_entry cmd_abort_entry;
extern const struct cmd_entry cmd_retry_rollout_entry;
extern const struct cmd_entry cmd_pause_entry;
extern const struct cmd_entry cmd_undo_entry;
extern const struct cmd_entry cmd_restart_entry;

/* Colour pairs by attribute (0: none). */
enum { CMD_WATCH_TUI_PAIRS = 6, CMD_WATCH_TUI_EVENTS = 50 };

struct cmd_watch_tui {
	struct cmd_ctx *ctx;
	const char *name;
	struct fetch_watch fw;
	bool color, utf8;
	int scroll;
	bool help;
	int confirm;            /* the key awaiting y/n, or 0 */
	struct buf status;      /* the status line ("" = key hints) */
	time_t drawn_now;       /* the second last drawn */
	bool dirty;
	bool reconnecting;
	/* the event log: the last CMD_WATCH_TUI_EVENTS transitions */
	char *events[CMD_WATCH_TUI_EVENTS];
	size_t n_events;
	char *last_status, *last_step, *last_runs;
};

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
cmd_watch_tui_help(void)
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
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		mvaddnstr(2 + (int)i, 2, lines[i], COLS > 4 ? COLS - 4 : 0);
		clrtoeol();
	}
}

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

/* The transitions between the last view and fs: status (with message),
 * step, and the newest revision's analysis runs' phases. */
static void
cmd_watch_tui_transitions(struct cmd_watch_tui *t, const struct fetch_set *fs)
{
	struct ro_objects objs = {
		.rollout = fs->rollout, .replicasets = fs->replicasets,
		.pods = fs->pods, .analysisruns = fs->analysisruns,
		.experiments = fs->experiments,
	};
	struct ro_info *ri = rollout_info_new(&objs, cmd_now(t->ctx));
	if (!ri) {
		return;
	}
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
	rollout_info_free(ri);
}

static void
cmd_watch_tui_draw(struct cmd_watch_tui *t, const struct fetch_set *fs)
{
	struct watchview_opts vo = {
		.cols = COLS, .rows = LINES, .color = t->color,
		.utf8 = t->utf8, .scroll = t->scroll,
		.now = cmd_now(t->ctx),
		.status = t->status.len ? t->status.buf : NULL,
		.events = (const char *const *)t->events,
		.n_events = t->n_events,
		.reconnecting = t->reconnecting,
	};
	struct watchview_frame f;
	cmd_watch_frame(t->ctx, fs, &vo, &f);
	t->scroll = t->scroll > f.scroll_max ? f.scroll_max : t->scroll;
	erase();
	for (size_t i = 0; i < f.n_lines && (int)i < LINES; i++) {
		const struct watchview_line *l = &f.lines[i];
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
	if (t->help) {
		cmd_watch_tui_help();
	}
	watchview_frame_release(&f);
	refresh();
	t->drawn_now = cmd_now(t->ctx);
	t->dirty = false;
}

/* Run a write command's own code on the rollout, its standard output and
 * error caught into the status line (the last line either wrote). */
static void
cmd_watch_tui_act(struct cmd_watch_tui *t, const struct cmd_entry *e,
		  const char *flag)
{
	struct cmd_ctx sub = *t->ctx;
	char *args[] = { (char *)t->name, NULL };
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
	if (flag) {
		cmd_flag_add(&sub, flag, "true");
	}
	memset(&sub.err, 0, sizeof(sub.err));
	buf_reset(&t->status);
	char *path = xasprintf("%s/kr-watch-XXXXXX", getenv("TMPDIR") &&
			       *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0) {
		buf_addf(&t->status, "cannot run %s: no temporary file",
			 e->name);
		free(path);
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

/* One key; 1 to quit. */
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
	case KEY_RESIZE:
		return 0;
	default:
		t->dirty = false;
		return 0;
	}
}

static int
cmd_watch_tui_tick(void *arg, bool changed)
{
	struct cmd_watch_tui *t = arg;
	struct fetch_set fs;
	if (!fetch_watch_view(&t->fw, &fs)) {
		err_set(&t->ctx->err, PD_ENOTFOUND, "rollout '%s' was deleted",
			t->name);
		return -1;
	}
	for (;;) {
		int key = getch();
		if (key == ERR) {
			break;
		}
		if (cmd_watch_tui_key(t, key)) {
			return 1;
		}
	}
	bool down = false;
	for (size_t i = 0; i < t->fw.n; i++) {
		down |= informer_retrying(t->fw.infs[i]);
	}
	if (down != t->reconnecting) {
		t->reconnecting = down;
		t->dirty = true;
		cmd_watch_tui_event(t, down ? "watch lost: reconnecting"
				    : "watch back");
	}
	if (changed || !t->last_status) {
		cmd_watch_tui_transitions(t, &fs);
	}
	/* a redraw on a change, a key, and once a second for the ages */
	if (changed || t->dirty || cmd_now(t->ctx) != t->drawn_now) {
		cmd_watch_tui_draw(t, &fs);
	}
	return 0;
}

int
cmd_watch_tui(struct cmd_ctx *ctx, const char *name)
{
	struct fetch_set first;
	int rc = cmd_watch_fetch(ctx, name, &first);
	if (rc != 0) {
		return rc;
	}
	struct cmd_watch_tui t;
	memset(&t, 0, sizeof(t));
	t.ctx = ctx;
	t.name = name;
	t.utf8 = cmd_watch_utf8();
	buf_init(&t.status, 0);
	fetch_watch_init(&t.fw, cmd_client(ctx), cmd_namespace(ctx), name,
			 true, first.rollout);

	/* newterm rather than initscr, so delscreen() frees the screen */
	SCREEN *scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		fetch_watch_release(&t.fw);
		fetch_release(&first);
		buf_release(&t.status);
		err_set(&ctx->err, PD_ERUNTIME, "cannot start the view on "
			"terminal type '%s'", getenv("TERM") ? getenv("TERM")
			: "");
		return cmd_fail(ctx);
	}
	set_term(scr);
	cbreak();
	noecho();
	nodelay(stdscr, TRUE);
	keypad(stdscr, TRUE);
	curs_set(0);
	t.color = ctx->color && has_colors();
	if (t.color) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_GREEN, -1);
		init_pair(2, COLOR_RED, -1);
		init_pair(3, COLOR_YELLOW, -1);
		init_pair(4, COLOR_BLUE, -1);
		init_pair(5, COLOR_GREEN, -1);
		init_pair(6, COLOR_YELLOW, -1);
	}
	cmd_catch_signals();
	/* the informers' loop; 100 ms ticks read the keys */
	rc = informer_run(t.fw.infs, t.fw.n, 100, cmd_watch_tui_tick, &t,
			  &cmd_interrupted, &ctx->err);
	endwin();
	delscreen(scr);
	fetch_watch_release(&t.fw);
	fetch_release(&first);
	buf_release(&t.status);
	for (size_t i = 0; i < t.n_events; i++) {
		free(t.events[i]);
	}
	free(t.last_status);
	free(t.last_step);
	free(t.last_runs);
	if (rc == 1 || (rc == -PD_ETIMEOUT && cmd_interrupted)) {
		return 0;
	}
	return cmd_fail(ctx);
}

#endif
