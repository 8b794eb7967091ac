/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz-watch: the streaming watch-event decoder. The input's first byte
 * gives a count n (0-15) of the bytes after it that set the chunk sizes
 * (each 1-256, used in turn); the rest is the stream. It is decoded once in
 * one piece and once in chunks: the events (type and object) and the
 * outcome must be the same (abort() otherwise).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "buf.h"
#include "json.h"
#include "watch-decoder.h"

/* The events seen, as "TYPE OBJECT\n" lines. */
static int
fuzz_watch_event(void *arg, const char *type, cJSON *obj)
{
	struct buf *log = arg;
	buf_adds(log, type ? type : "(null)");
	buf_addch(log, ' ');
	if (obj) {
		json_write(log, obj);
	} else {
		buf_adds(log, "(null)");
	}
	buf_addch(log, '\n');
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1) {
		return 0;
	}
	size_t nsizes = data[0] % 16;
	if (nsizes > size - 1) {
		nsizes = size - 1;
	}
	const uint8_t *sizes = data + 1;
	const char *stream = (const char *)data + 1 + nsizes;
	size_t len = size - 1 - nsizes;

	struct watch_decoder d;
	struct buf whole_log = BUF_INIT;
	watch_decoder_init(&d);
	int whole = watch_decoder_feed(&d, stream, len, fuzz_watch_event,
				       &whole_log);
	watch_decoder_release(&d);

	struct buf chunk_log = BUF_INIT;
	watch_decoder_init(&d);
	int chunked = 0;
	size_t i = 0, k = 0;
	while (i < len && chunked == 0) {
		size_t n = nsizes ? (size_t)sizes[k++ % nsizes] + 1 : 1;
		if (n > len - i) {
			n = len - i;
		}
		chunked = watch_decoder_feed(&d, stream + i, n,
					     fuzz_watch_event, &chunk_log);
		i += n;
	}
	watch_decoder_release(&d);

	if (whole != chunked || strcmp(whole_log.buf, chunk_log.buf) != 0) {
		fprintf(stderr, "fuzz-watch: whole: %d\n%s\nchunked: %d\n%s\n",
			whole, whole_log.buf, chunked, chunk_log.buf);
		abort();
	}
	buf_release(&whole_log);
	buf_release(&chunk_log);
	return 0;
}
