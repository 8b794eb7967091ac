/* SPDX-License-Identifier: Apache-2.0 */
/*
 * watch-decoder: the Kubernetes watch stream's events, decoded as bytes
 * arrive. Pure (no I/O); the decoder owns its pending bytes until
 * watch_decoder_release; objects handed to the callback are borrowed for
 * the call.
 */
#ifndef PD_WATCH_DECODER_H
#define PD_WATCH_DECODER_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"

/* The largest event accepted: a bigger one gives -PD_ETOOBIG. */
#define WATCH_DECODER_MAX_EVENT ((size_t)64 << 20)

/*
 * Streaming watch-event decoder: feed bytes as they arrive (an event may
 * be split anywhere, and one chunk may hold several events); complete events
 * are handed to cb with type ("ADDED", "MODIFIED", "DELETED", "BOOKMARK",
 * "ERROR") and the object (borrowed for the call). cb returns 0 to go on,
 * non-zero to stop (that value is returned by watch_decoder_feed).
 * A malformed event gives -PD_ERUNTIME.
 */
struct watch_decoder {
	struct buf pending;
	size_t scan;   /* bytes of pending already scanned */
	int depth;
	bool in_str;
	bool esc;
};
void watch_decoder_init(struct watch_decoder *d);
void watch_decoder_release(struct watch_decoder *d);
int watch_decoder_feed(struct watch_decoder *d, const char *data, size_t len,
		       int (*cb)(void *arg, const char *type, cJSON *obj),
		       void *arg);

#endif
