/* SPDX-License-Identifier: Apache-2.0 */
/* watch-decoder: the streaming decoder of watch events; see
 * watch-decoder.h. */
#include "watch-decoder.h"

#include "err.h"
#include "json.h"

void
watch_decoder_init(struct watch_decoder *d)
{
	buf_init(&d->pending, WATCH_DECODER_MAX_EVENT);
	d->scan = 0;
	d->depth = 0;
	d->in_str = false;
	d->esc = false;
}

void
watch_decoder_release(struct watch_decoder *d)
{
	buf_release(&d->pending);
	d->scan = 0;
	d->depth = 0;
	d->in_str = false;
	d->esc = false;
}

static int
watch_decoder_emit(const char *s, size_t n,
		int (*cb)(void *arg, const char *type, cJSON *obj), void *arg)
{
	cJSON *ev = json_parse(s, n, NULL);
	if (!cJSON_IsObject(ev)) {
		cJSON_Delete(ev);
		return -PD_ERUNTIME;
	}
	const char *type = json_str(ev, "type");
	cJSON *obj = cJSON_GetObjectItemCaseSensitive(ev, "object");
	if (!type || !cJSON_IsObject(obj)) {
		cJSON_Delete(ev);
		return -PD_ERUNTIME;
	}
	int r = cb(arg, type, obj);
	cJSON_Delete(ev);
	return r;
}

int
watch_decoder_feed(struct watch_decoder *d, const char *data, size_t len,
		   int (*cb)(void *arg, const char *type, cJSON *obj),
		   void *arg)
{
	if (buf_add(&d->pending, data, len) < 0) {
		watch_decoder_release(d);
		watch_decoder_init(d);
		return -PD_ETOOBIG;
	}
	const char *p = d->pending.buf;
	size_t start = 0; /* where the event being scanned begins */
	size_t i = d->scan;
	int rc = 0;
	while (i < d->pending.len) {
		char ch = p[i++];
		if (d->depth == 0) {
			if (ch == ' ' || ch == '\n' || ch == '\r' ||
			    ch == '\t') {
				start = i;
				continue;
			}
			if (ch != '{') {
				start = i;
				rc = -PD_ERUNTIME;
				break;
			}
			d->depth = 1;
			continue;
		}
		if (d->in_str) {
			if (d->esc) {
				d->esc = false;
			} else if (ch == '\\') {
				d->esc = true;
			} else if (ch == '"') {
				d->in_str = false;
			}
			continue;
		}
		if (ch == '"') {
			d->in_str = true;
		} else if (ch == '{' || ch == '[') {
			d->depth++;
		} else if (ch == '}' || ch == ']') {
			d->depth--;
			if (d->depth == 0) {
				rc = watch_decoder_emit(p + start, i - start, cb,
						     arg);
				start = i;
				if (rc != 0) {
					break;
				}
			}
		}
	}
	buf_consume(&d->pending, start);
	d->scan = i - start;
	if (rc < 0) {
		/* resynchronise at the next byte */
		d->depth = 0;
		d->in_str = false;
		d->esc = false;
		d->scan = 0;
	}
	return rc;
}
